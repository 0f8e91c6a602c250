import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { Api, startApi } from '../support/http';
import { Proc, startProcess, waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { FakeEsms } from './fake-providers';

/**
 * A worker killed (SIGKILL) after the SMS gateway accepted a message and before the worker could
 * record it: the message is neither lost nor sent twice. The row stays claimed until its lease ends;
 * another worker then sends it again with the same RequestId, which the gateway drops as a repeat.
 */
describe('a worker killed mid-send', () => {
  let api: Api;
  let p: Province;
  let db: DataSource;
  const esms = new FakeEsms();
  const workers: Proc[] = [];

  beforeAll(async () => {
    await esms.start();
    api = await startApi({
      SMS_GATEWAY_URL: esms.sendUrl,
      SMS_API_KEY: esms.apiKey,
      SMS_SECRET_KEY: esms.secretKey,
      SMS_BRANDNAME: esms.brandname,
      MESSAGES_TIMEOUT_MS: '1000',
      DELIVERY_BACKOFF_MS: '100',
    });
    // A Tuesday morning: no quiet hours, whatever the machine's time.
    const at = new Date('2026-03-10T09:00:00+07:00');
    api.app.get(Clock).now = () => at;
    db = api.app.get(DataSource);
    p = await buildProvince(api);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        w.child.kill('SIGTERM');
        await w.exited;
      }
    }
    await api?.close();
    await esms.close();
  });

  it('sends the message exactly once: the second worker repeats it with the same RequestId after the lease', async () => {
    const first = startProcess('src/worker.js', { ...api.env, LOG_LEVEL: 'info' });
    workers.push(first);
    await waitFor(() => /workers started/.test(first.output()), 90_000, 'first worker start');
    // The gateway accepts the message, then the worker dies before it hears the answer.
    esms.onAccept = async () => {
      esms.onAccept = null;
      first.child.kill('SIGKILL');
      await first.exited;
    };
    const body = intakeBody({ notify: { sms: true } });
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
    expect(res.status).toBe(201);
    const [row] = await db.query(`SELECT id FROM citizen_messages WHERE dossier_id = $1`, [res.body.id]);
    await first.exited;
    expect(esms.delivered.filter((d) => d.requestId === row.id)).toHaveLength(1);
    const [claimed] = await db.query(`SELECT status, attempts, claimed_until FROM citizen_messages WHERE id = $1`, [
      row.id,
    ]);
    expect(claimed).toMatchObject({ status: 'queued', attempts: 0 });
    expect(claimed.claimed_until).not.toBeNull();

    // A second worker, whose messages sweep runs every second, picks the message up once its lease ends.
    const second = startProcess('src/worker.js', { ...api.env, SLA_SCAN_CRON: '* * * * * *', LOG_LEVEL: 'info' });
    workers.push(second);
    const sent = await waitFor(
      async () => {
        const [r] = await db.query(`SELECT status, attempts, provider_message_id FROM citizen_messages WHERE id = $1`, [
          row.id,
        ]);
        return r.status === 'sent' ? r : null;
      },
      120_000,
      'the message recorded as sent',
    );
    expect(sent.attempts).toBe(1);
    expect(esms.requests.filter((r) => r.requestId === row.id)).toHaveLength(2);
    expect(esms.delivered.filter((d) => d.requestId === row.id)).toHaveLength(1);
    expect(sent.provider_message_id).toBe(esms.delivered.find((d) => d.requestId === row.id)!.smsId);
    // Neither worker logged the number or the text.
    const logs = first.output() + second.output();
    expect(logs).not.toContain('912345678');
    expect(logs).not.toContain('Ho so');
  }, 240_000);
});
