/**
 * The outbox rows of alerts, written in the statement that creates the alerts (so an alert never
 * exists without its deliveries, whatever fails after): an e-mail to the recipient when e-mail is
 * on and the recipient has an address, a call to every active webhook subscribed to the kind.
 * `source` names a CTE returning (id, kind, recipient_user_id, deadline_at); `email` is SQL for a
 * boolean. Gives two CTEs, `em` and `wh`, each returning the ids of the rows written.
 */
export function alertOutboxCtes(source: string, email: string): string {
  return `em AS (
        INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target)
        SELECT ${source}.id, ${source}.deadline_at, 'email', u.email
        FROM ${source} JOIN users u ON u.id = ${source}.recipient_user_id
        WHERE ${email} AND u.email IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING id
      ),
      wh AS (
        INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target)
        SELECT ${source}.id, ${source}.deadline_at, 'webhook', w.id::text
        FROM ${source} JOIN webhooks w ON w.active AND ${source}.kind = ANY(w.kinds)
        ON CONFLICT DO NOTHING RETURNING id
      )`;
}
