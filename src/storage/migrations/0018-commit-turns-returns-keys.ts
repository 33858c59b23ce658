import { sql, type Kysely } from 'kysely';
import * as m0014 from './0014-commit-turns-function.js';

/**
 * `commit_turns` answers each reply row it wrote by its id, dedupe key (`turn:<inbound id>:<n>`, which
 * names the reply) and status, no longer with the message itself: the caller already holds every
 * message it passed in, and building and parsing each one again as JSON was ~8 % of the function's
 * CPU per turn on PGlite (191 → 176 µs, batches of 14; issue 9 note). Same signature and columns,
 * so `create or replace`; the body is otherwise migration 0014's.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function commit_turns(p_inbound jsonb, p_replies jsonb)
    returns table (accepted json, outbox json)
    language plpgsql as $fn$
    #variable_conflict use_column
    begin
      return query
      with v as (
        select * from jsonb_to_recordset(p_inbound::jsonb) as r(id uuid, channel text, external_id text, conversation_id uuid,
          customer_id uuid, text text, payload text, locale text, intent text, confidence real, flow text, received_at timestamptz, state jsonb, n int)
      ), ins as (
        insert into inbound_messages (id, channel, external_id, conversation_id, customer_id, text, payload, locale, intent, confidence, flow, received_at)
        select id, channel, external_id, conversation_id, customer_id, text, payload, locale, intent, confidence, flow, received_at from v
        on conflict (channel, external_id) do nothing
        returning id
      ), outs as (
        insert into outbox (dedupe_key, conversation_id, customer_id, channel, recipient, kind, author, message, status, inbound_id, sent_at)
        select r.dedupe_key, r.conversation_id, r.customer_id, r.channel, r.recipient, r.kind, 'bot', r.message, r.status, r.inbound_id,
          case when r.status = 'sent' then now() else null end
        from jsonb_to_recordset(p_replies::jsonb) as r(dedupe_key text, conversation_id uuid, customer_id uuid, channel text,
          recipient text, kind text, message jsonb, status text, inbound_id uuid, seq int)
        join conversations c on c.id = r.conversation_id
        where (r.kind <> 'reply' or c.owner = 'bot') and r.inbound_id in (select id from ins)
        order by r.inbound_id, r.seq
        on conflict (dedupe_key) do nothing
        returning id, dedupe_key, status
      ), conv as (
        update conversations c set state = coalesce(v.state, c.state), locale = v.locale,
          last_message_at = greatest(coalesce(c.last_message_at, v.received_at), v.received_at), version = c.version + 1
        -- The batch's last accepted turn of each conversation holds its newest state.
        from (select distinct on (conversation_id) * from v where id in (select id from ins) order by conversation_id, n desc) v
        where c.id = v.conversation_id
      ), cust as (
        -- Minute precision is plenty for "last seen" (segments count in days), and skipping the
        -- rewrite spares every customers index (GIN tags included) on a chatty session's turns.
        update customers c set last_seen_at = s.at
        from (select customer_id, max(received_at) as at from v where id in (select id from ins) group by customer_id) s
        where c.id = s.customer_id and (c.last_seen_at is null or c.last_seen_at < s.at - interval '1 minute')
      )
      select (select json_agg(id) from ins) as accepted,
        (select json_agg(json_build_object('id', id::text, 'key', dedupe_key, 'status', status) order by id) from outs) as outbox;
    end
    $fn$`.execute(db);
}

/** Back to migration 0014's body. */
export async function down(db: Kysely<any>): Promise<void> {
  await m0014.up(db);
}
