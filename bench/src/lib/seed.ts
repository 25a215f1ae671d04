/**
 * 100k messages in one mailbox with one INSERT … SELECT generate_series per table, matching the
 * real schema (message_contents and messages, each copy in its mailbox's INBOX, UIDs 1…count). Ids sort like real ones (fixed-width,
 * increasing with the series), so "50 newest" is the same index walk as in production.
 */
export function seedInboxSql(tenantId: string, mailboxId: string, address: string, count: number): string[] {
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const auth = JSON.stringify({
    spf: { result: "pass", domain: "sender.bench.test" },
    dkim: [],
    dmarc: { result: "none", policy: null, domain: "sender.bench.test" },
    arc: { result: "none" },
    header: "Authentication-Results: mx.bench.test; spf=pass",
  });
  const folderId = `fld_${mailboxId.slice(mailboxId.indexOf("_") + 1)}`;
  const cid = `'cnt_0' || lpad(i::text, 25, '0')`;
  return [
    `insert into message_contents (id, raw, size, envelope_from, headers, cc, reply_to, message_id, in_reply_to,
       text_body, html_body, attachments, auth_results, created_at)
     select ${cid},
       convert_to('Subject: seeded ' || i || E'\\r\\n\\r\\n' || repeat('body text ', 200), 'UTF8'),
       2030, 'load@sender.bench.test', '[]'::jsonb, '[]'::jsonb, '[]'::jsonb,
       '<seed-' || i || '@sender.bench.test>', null, repeat('body text ', 200), null, '[]'::jsonb,
       ${lit(auth)}::jsonb, now() - make_interval(secs => ${count} - i)
     from generate_series(1, ${count}) as i`,
    `insert into messages (id, tenant_id, mailbox_id, folder_id, uid, content_id, rcpt_to, from_address, from_name, to_addresses,
       subject, sent_at, preview, size, has_attachments, seen, received_at)
     select 'msg_0' || lpad(i::text, 25, '0'), ${lit(tenantId)}, ${lit(mailboxId)},
       ${lit(folderId)}, i, ${cid}, ${lit(address)},
       'load@sender.bench.test', 'Load Generator', ${lit(JSON.stringify([{ address, name: null }]))}::jsonb,
       'Seeded message number ' || i, now() - make_interval(secs => ${count} - i),
       left(repeat('body text ', 20), 120), 2030, (i % 10 = 0), (i % 3 = 0),
       now() - make_interval(secs => ${count} - i)
     from generate_series(1, ${count}) as i`,
    `update folders set uid_next = ${count + 1} where id = ${lit(folderId)}`,
    `analyze message_contents`,
    `analyze messages`,
  ];
}
