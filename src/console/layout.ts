import type { AuthUser } from 'src/auth/auth-user';
import { ROLE_LABELS } from 'src/console/format';
import { html, Html, raw } from 'src/console/html';

/** Pages each role reaches from the menu (the routes check roles again). */
const MENU: { href: string; label: string; roles: AuthUser['role'][] }[] = [
  { href: '/console/intake', label: 'Tiếp nhận hồ sơ', roles: ['counter_staff', 'admin'] },
  { href: '/console/queue', label: 'Hồ sơ cần xử lý', roles: ['counter_staff', 'officer', 'unit_head', 'admin'] },
  {
    href: '/console/alerts',
    label: 'Cảnh báo',
    roles: ['unit_head', 'officer', 'counter_staff', 'reform_board', 'admin'],
  },
  { href: '/console/boards', label: 'Quá hạn và chậm', roles: ['unit_head', 'reform_board', 'admin'] },
  { href: '/console/reports', label: 'Báo cáo', roles: ['reform_board', 'unit_head', 'admin'] },
  { href: '/console/periods', label: 'Chốt số liệu', roles: ['reform_board', 'admin'] },
  { href: '/console/portal-sync', label: 'Đồng bộ lỗi', roles: ['admin'] },
];

const CSS = `
@font-face { font-family: 'ConsoleSans'; src: url('/console/assets/sans.ttf') format('truetype'); font-weight: 400; font-display: block; }
@font-face { font-family: 'ConsoleSans'; src: url('/console/assets/sans-bold.ttf') format('truetype'); font-weight: 700; font-display: block; }
* { box-sizing: border-box; }
body { margin: 0; font-family: 'ConsoleSans', sans-serif; font-size: 15px; color: #1a1a1a; background: #f4f6f8; line-height: 1.45; }
a { color: #0b4f8a; }
a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #f0a500; outline-offset: 1px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px; z-index: 9; }
header { background: #0b3d6b; color: #fff; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
header .brand { font-weight: 700; margin-right: 16px; }
header nav a { color: #fff; margin-right: 14px; text-decoration: none; padding: 4px 2px; }
header nav a[aria-current="page"] { border-bottom: 3px solid #f0a500; }
header .who { margin-left: auto; font-size: 13px; }
header form { display: inline; }
header button { background: transparent; color: #fff; border: 1px solid #fff; padding: 3px 10px; border-radius: 4px; cursor: pointer; font: inherit; }
main { max-width: 1200px; margin: 0 auto; padding: 16px; }
h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 18px; margin: 20px 0 8px; }
.card { background: #fff; border: 1px solid #d5dbe1; border-radius: 6px; padding: 16px; margin-bottom: 16px; }
label { display: block; font-weight: 700; margin: 10px 0 4px; }
input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid #6b7785; border-radius: 4px; width: 100%; max-width: 520px; background: #fff; color: #1a1a1a; }
input[type=checkbox], input[type=radio] { width: auto; }
.row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; } .row > div { flex: 1 1 180px; }
button, .button { font: inherit; background: #0b4f8a; color: #fff; border: 0; border-radius: 4px; padding: 7px 14px; cursor: pointer; text-decoration: none; display: inline-block; margin-top: 10px; }
button.secondary, .button.secondary { background: #fff; color: #0b4f8a; border: 1px solid #0b4f8a; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #c9d1d9; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #e8edf2; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.overdue { background: #fde2e1; color: #7a1a12; } .due_soon { background: #fff3cd; color: #5c4300; } .within { background: #e3f4e8; color: #11512a; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; border: 1px solid currentColor; }
.flash { padding: 10px 12px; border-radius: 4px; margin-bottom: 12px; border: 1px solid; }
.flash.error { background: #fde2e1; color: #7a1a12; } .flash.ok { background: #e3f4e8; color: #11512a; }
.muted { color: #4d5866; font-size: 13px; }
.filter-actions { display: flex; gap: 12px; align-items: center; } td.nowrap { white-space: nowrap; }
.pager { display: flex; gap: 16px; align-items: center; margin: 8px 0; } .pager a { font-weight: 700; }
ol.timeline { padding-left: 20px; } ol.timeline li { margin-bottom: 6px; }
details.action { border: 1px solid #d5dbe1; border-radius: 4px; padding: 6px 10px; margin: 6px 0; background: #fff; }
details.action summary { cursor: pointer; font-weight: 700; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } .charts figure { margin: 0; flex: 1 1 360px; }
figcaption { font-weight: 700; margin-bottom: 6px; }
.req { color: #b3261e; font-weight: 700; }
[aria-invalid="true"] { border: 2px solid #b3261e; background: #fff6f5; }
.savebar { position: sticky; bottom: 0; background: #fff; padding: 8px 0 4px; border-top: 1px solid #d5dbe1; margin-top: 12px; }
.savebar .flash { margin-bottom: 4px; }
.scroll { overflow-x: auto; max-width: 100%; } .scroll > table { min-width: 760px; }
tr.ended { background: #f1f3f5; } tr.acked td { outline: 2px solid #11512a; }
fieldset.notify label { display: inline-block; margin: 0 16px 0 0; font-weight: 400; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0; } dl.facts dt { font-weight: 700; } dl.facts dd { margin: 0; }
ol.timeline .note { display: block; color: #33404d; }
@media print { header, .noprint { display: none; } body { background: #fff; } }
@media (max-width: 600px) { main { padding: 8px; } header nav a { display: inline-block; margin: 4px 8px 4px 0; } }
`;

export function page(opts: {
  title: string;
  user: AuthUser | null;
  current?: string;
  body: Html;
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  displayName?: string;
}): Html {
  const { user } = opts;
  const menu = user ? MENU.filter((m) => m.roles.includes(user.role)) : [];
  return html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} · Theo dõi giải quyết TTHC</title>
        <style>
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <a class="skip" href="#main">Bỏ qua, đến nội dung chính</a>
        <header>
          <span class="brand">Theo dõi giải quyết TTHC</span>
          ${
            user
              ? html`<nav aria-label="Trang chính">
                    ${menu.map(
                      (m) =>
                        html`<a href="${m.href}" ${opts.current === m.href ? html`aria-current="page"` : ''}
                          >${m.label}</a
                        >`,
                    )}
                  </nav>
                  <span class="who"
                    >${opts.displayName ?? user.username} · ${ROLE_LABELS[user.role]}
                    <form method="post" action="/console/logout"><button type="submit">Đăng xuất</button></form></span
                  >`
              : ''
          }
        </header>
        <main id="main" tabindex="-1">
          ${opts.flash ? html`<div class="flash ${opts.flash.kind}" role="${opts.flash.kind === 'error' ? 'alert' : 'status'}">${opts.flash.text}</div>` : ''}
          <h1>${opts.title}</h1>
          ${opts.body}
        </main>
      </body>
    </html>`;
}
