import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { cookies } from 'src/console/session';

export const QUEUE_PAGE_SIZE = 50;

/** The queue's filters, as given in its query string (empty = not filtered). */
export interface QueueFilterValues {
  status: string;
  stepUnit: string;
  assignee: string;
  procedure: string;
  timeliness: string;
}

const KEYS: (keyof QueueFilterValues)[] = ['status', 'stepUnit', 'assignee', 'procedure', 'timeliness'];
const COOKIE = 'sla_queue';
const COOKIE_PATH = '/console/queue';
const MAX_AGE_SECONDS = 90 * 86_400;

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '').trim();

/** The query string of filters (non-empty ones, in a fixed order), and of the rest of a link. */
function queryString(filters: QueueFilterValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const k of KEYS) if (filters[k]) params.set(k, filters[k]);
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  return params.toString();
}

/**
 * The queue's filters, remembered for the signed-in user across visits: a cookie of the queue's
 * own path (HttpOnly, SameSite=Strict) holding the user's id and the filters' query string. It is
 * read only for the same user (another sign-in on the browser starts unfiltered), and only its
 * known keys are taken back. The code search and the page are not remembered.
 */
export const QueueFilters = {
  /** Whether the request names any filter (the filter form always sends them all). */
  given(q: Record<string, unknown>): boolean {
    return KEYS.some((k) => q[k] !== undefined);
  },

  from(q: Record<string, unknown>): QueueFilterValues {
    const out = {} as QueueFilterValues;
    for (const k of KEYS) out[k] = one(q[k]).slice(0, 100);
    return out;
  },

  active(filters: QueueFilterValues): boolean {
    return KEYS.some((k) => filters[k] !== '');
  },

  queryString,

  /** The remembered filters' query string for this user, or '' when there are none. */
  saved(req: FastifyRequest, user: AuthUser): string {
    const value = cookies(req)[COOKIE];
    const prefix = `${user.id}|`;
    if (!value?.startsWith(prefix)) return '';
    const params = new URLSearchParams(value.slice(prefix.length));
    return queryString(QueueFilters.from(Object.fromEntries(params)));
  },

  remember(reply: FastifyReply, req: FastifyRequest, user: AuthUser, filters: QueueFilterValues): void {
    if (!QueueFilters.active(filters)) return QueueFilters.forget(reply, req);
    const secure = req.protocol === 'https' ? '; Secure' : '';
    const value = encodeURIComponent(`${user.id}|${queryString(filters)}`);
    void reply.header(
      'set-cookie',
      `${COOKIE}=${value}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${MAX_AGE_SECONDS}${secure}`,
    );
  },

  forget(reply: FastifyReply, req: FastifyRequest): void {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    void reply.header('set-cookie', `${COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
  },
};

/**
 * Where a queue page is in the list: the service's cursor of this page (none on the first) and
 * the cursors of the pages before it (`prev`, dot-separated; cursors are base64url), so that
 * "Trang trước" can walk back a keyset-paged list.
 */
export class QueuePaging {
  private constructor(
    readonly cursor: string,
    private readonly before: string[],
  ) {}

  static from(q: Record<string, unknown>): QueuePaging {
    const cursor = one(q.cursor);
    const before = cursor ? one(q.prev).split('.').filter(Boolean).slice(-200) : [];
    return new QueuePaging(cursor, before);
  }

  /** 1 on the first page. */
  get number(): number {
    return this.cursor ? this.before.length + 2 : 1;
  }

  previousHref(filters: QueueFilterValues, code: string): string | null {
    if (!this.cursor) return null;
    const back = this.before.slice(0, -1);
    const cursor = this.before[this.before.length - 1] ?? '';
    return `/console/queue?${queryString(filters, { code, cursor, prev: back.join('.') })}`;
  }

  nextHref(filters: QueueFilterValues, code: string, nextCursor: string): string {
    const prev = this.cursor ? [...this.before, this.cursor].join('.') : '';
    return `/console/queue?${queryString(filters, { code, cursor: nextCursor, prev })}`;
  }
}
