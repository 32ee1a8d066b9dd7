// The masking engine per category, table-driven: positives with their exact output and remark (rule name),
// negatives that must come back byte-identical, and the walk over nested objects and arrays.
import { describe, expect, it } from 'vitest';
import { createMaskingEngine, parseMaskingRules } from '../../shared/domain/masking';
import { loadMaskingEngine, loadMaskingRules } from '../../shared/config/masking-rules';
import { NATIONAL_ID_FORMATS, verhoeffValid } from '../../shared/domain/masking/national-ids';

const engine = loadMaskingEngine();

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const AZURE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

// [input, expected output, rules in order of first match]
const positives: Record<string, Array<[string, string, string[]]>> = {
  email: [
    ["user jane.o'brien+test@sub.example.co.uk logged in", 'user [EMAIL] logged in', ['email']],
    ["{'to':'bob@example.com'}", "{'to':'[EMAIL]'}", ['email']],
    ['contact jane.doe+work@example.co.uk today', 'contact [EMAIL] today', ['email']],
    ['<ops@sub.example.org>', '<[EMAIL]>', ['email']],
    ['user: müller@beispiel.de', 'user: [EMAIL]', ['email']],
  ],
  ssn: [
    ['ssn: 536-22-8712', 'ssn: [SSN]', ['us_ssn']],
    ['SSN 536228712 on file', 'SSN [SSN] on file', ['us_ssn_bare']],
    ['536228712', '[SSN]', ['us_ssn_bare']],
    ['social security number 536 22 8712', 'social security number [SSN]', ['us_ssn']],
    // The specimen numbers people type to try a masker are masked like any other.
    ['SSN 123-45-6789 on file', 'SSN [SSN] on file', ['us_ssn']],
    ['ssn: 078-05-1120', 'ssn: [SSN]', ['us_ssn']],
  ],
  credit_card: [
    ['card 4111-1111-1111-1111 exp 12/27', 'card ****-****-****-1111 exp 12/27', ['credit_card']],
    ['amex 3782 822463 10005', 'amex **** ****** *0005', ['credit_card']],
    ['pan=5555555555554444;', 'pan=************4444;', ['credit_card']],
  ],
  phone: [
    ['Call +44 20 7946 0958 now', 'Call [PHONE] now', ['phone']],
    ['fax (212) 555-0147', 'fax [PHONE]', ['phone_national']],
    ['reach me at 1-800-555-0199', 'reach me at [PHONE]', ['phone_national']],
    ['tel 03-1234-5678', 'tel [PHONE]', ['phone_national']],
    ['mobile: 4155552671', 'mobile: [PHONE]', ['phone_in_context']],
    ['+86 138 1234 5678', '[PHONE]', ['phone']],
    // Mobile numbers with a trunk 0 in space groups need no phone word (a mobile number of some country).
    ['cep: 0532 123 45 67', 'cep: [PHONE]', ['phone_national']],
    ['sent to 0917 123 4567 today', 'sent to [PHONE] today', ['phone_national']],
    ['appelle au 06 12 34 56 78', 'appelle au [PHONE]', ['phone_national']],
    ['Handy 0151 23456789', 'Handy [PHONE]', ['phone_national']],
    // A phone word outside ASCII in any case the i flag matches, not only the cases written in the rules file.
    ['TéL. (03) 9123 4567', 'TéL. [PHONE]', ['phone_after_keyword']],
    ['NúMERO 381 2260', 'NúMERO [PHONE]', ['phone_after_keyword']],
  ],
  // National identity and tax numbers (national-ids.ts): distinctive shapes alone, the others after a word naming them.
  national_id: [
    ['NIF del cliente: 12345678Z', 'NIF del cliente: [NATIONAL_ID]', ['national_id']],
    ['NIE X1234567L ok', 'NIE [NATIONAL_ID] ok', ['national_id']],
    ['{"dni":"12345678-Z"}', '{"dni":"[NATIONAL_ID]"}', ['national_id_in_context']],
    ['HETU 010594Y9032', 'HETU [NATIONAL_ID]', ['national_id']],
    ['codice fiscale RSSMRA85T10A562S', 'codice fiscale [NATIONAL_ID]', ['national_id']],
    ['RSSMRA85T10A562S', '[NATIONAL_ID]', ['national_id']],
    ['NRIC S1234567D', 'NRIC [NATIONAL_ID]', ['national_id']],
    ['RRN 900101-1234568', 'RRN [NATIONAL_ID]', ['national_id_grouped']],
    ['CPF 123.456.789-09 cadastrado', 'CPF [NATIONAL_ID] cadastrado', ['national_id_grouped']],
    ['Aadhaar 2345 6789 0124', 'Aadhaar [NATIONAL_ID]', ['national_id_grouped']],
    ['INSEE 1 85 05 78 006 084 91', 'INSEE [NATIONAL_ID]', ['national_id_grouped']],
    ['henkilötunnus 131052-308T', 'henkilötunnus [NATIONAL_ID]', ['national_id_grouped']],
    ['Rijksregisternummer 85.07.30-033.28', 'Rijksregisternummer [NATIONAL_ID]', ['national_id_grouped']],
    ['patient NHS number 943 476 5919 on file', 'patient NHS number [NATIONAL_ID] on file', ['national_id_in_context']],
    ['{"nhs_number":"9434765919"}', '{"nhs_number":"[NATIONAL_ID]"}', ['national_id_in_context']],
    ['PESEL: 44051401458', 'PESEL: [NATIONAL_ID]', ['national_id_in_context']],
    ['PAN card ABCPE1234F', 'PAN card [NATIONAL_ID]', ['national_id_in_context']],
    ['cpf 12345678909', 'cpf [NATIONAL_ID]', ['national_id_in_context']],
    ['BSN 111222333', 'BSN [NATIONAL_ID]', ['national_id_in_context']],
    ['SIN 130 692 544', 'SIN [NATIONAL_ID]', ['national_id_in_context']],
    ['TFN 123 456 782', 'TFN [NATIONAL_ID]', ['national_id_in_context']],
    ['Steuer-ID 65929970489', 'Steuer-ID [NATIONAL_ID]', ['national_id_in_context']],
    ['sécu 185057800608491', 'sécu [NATIONAL_ID]', ['national_id_in_context']],
    ['身份证 11010519491231002X', '身份证 [NATIONAL_ID]', ['national_id_in_context']],
    ['personnummer 811228-9874', 'personnummer [NATIONAL_ID]', ['national_id_in_context']],
  ],
  ip: [
    ['client 203.0.113.7 connected', 'client [IP] connected', ['ipv4']],
    ['from 2001:db8:3333:4444:5555:6666:7777:8888', 'from [IP]', ['ipv6']],
    ['x-forwarded-for: 198.51.100.23, 10.1.2.3', 'x-forwarded-for: [IP], [IP]', ['ipv4']],
  ],
  iban: [
    ['iban DE89 3704 0044 0532 0130 00 paid', 'iban [IBAN] paid', ['iban']],
    ['GB29NWBK60161331926819', '[IBAN]', ['iban']],
  ],
  credentials: [
    ['password=hunter2&user=bob', 'password=[REDACTED]&user=bob', ['credential_assignment']],
    ['{"password":"s3cr3t!","user":"bob"}', '{"password":"[REDACTED]","user":"bob"}', ['credential_assignment']],
    ['{\\"client_secret\\":\\"abc123xyz\\"}', '{\\"client_secret\\":\\"[REDACTED]\\"}', ['credential_assignment']],
    ['db.password: correct-horse-battery', 'db.password: [REDACTED]', ['credential_assignment']],
    ['X-Api-Key: 0123456789abcdef', 'X-Api-Key: [REDACTED]', ['credential_assignment']],
    ['<password>hunter2</password>', '<password>[REDACTED]</password>', ['credential_assignment']],
    ['apikey := "q9Z!x"', 'apikey := "[REDACTED]"', ['credential_assignment']],
    ['Cookie: sid=abc123; theme=dark', 'Cookie: [REDACTED]', ['credential_assignment']],
    ['Authorization: Digest username="bob", response="6629fae49393a05397450978507c4ef1"', 'Authorization: Digest [REDACTED]', ['credential_assignment']],
    ['Server=db;User Id=sa;Password=P@ssw0rd;', 'Server=db;User Id=sa;Password=[REDACTED];', ['credential_assignment']],
  ],
  // Every assignment operator, typed declarations, call arguments and name/value attribute pairs (values drawn here).
  credential_syntaxes: [
    ['deploy_TOKEN = "q8v3n1x7c2m9b4z6"', 'deploy_TOKEN = "[REDACTED]"', ['credential_assignment']],
    ['deploy_TOKEN := "q8v3n1x7c2m9b4z6"', 'deploy_TOKEN := "[REDACTED]"', ['credential_assignment']],
    ['deploy_TOKEN ::= "q8v3n1x7c2m9b4z6"', 'deploy_TOKEN ::= "[REDACTED]"', ['credential_assignment']],
    ['deploy_TOKEN :::= "q8v3n1x7c2m9b4z6"', 'deploy_TOKEN :::= "[REDACTED]"', ['credential_assignment']],
    ['deploy_TOKEN ::=q8v3n1x7c2m9b4z6', 'deploy_TOKEN ::=[REDACTED]', ['credential_assignment']],
    ['DEPLOY_TOKEN ?= q8v3n1x7c2m9b4z6', 'DEPLOY_TOKEN ?= [REDACTED]', ['credential_assignment']],
    ['DEPLOY_TOKEN += "q8v3n1x7c2m9b4z6"', 'DEPLOY_TOKEN += "[REDACTED]"', ['credential_assignment']],
    ['$deployToken .= "q8v3n1x7c2m9b4z6";', '$deployToken .= "[REDACTED]";', ['credential_assignment']],
    ['token ||= "q8v3n1x7c2m9b4z6"', 'token ||= "[REDACTED]"', ['credential_assignment']],
    ["DB_PASSWORD ??= 'q8v3n1x7c2m9b4z6'", "DB_PASSWORD ??= '[REDACTED]'", ['credential_assignment']],
    ['api_key <- "q8v3n1x7c2m9b4z6"', 'api_key <- "[REDACTED]"', ['credential_assignment']],
    ['var deployToken string = "q8v3n1x7c2m9b4z6"', 'var deployToken string = "[REDACTED]"', ['credential_assignment']],
    ['var password *string = "q8v3n1x7c2m9b4z6"', 'var password *string = "[REDACTED]"', ['credential_assignment']],
    ['String apiToken = "q8v3n1x7c2m9b4z6";', 'String apiToken = "[REDACTED]";', ['credential_assignment']],
    ['let apiKey: string = "q8v3n1x7c2m9b4z6";', 'let apiKey: string = "[REDACTED]";', ['credential_assignment']],
    ['const API_KEY: &\'static str = "q8v3n1x7c2m9b4z6";', 'const API_KEY: &\'static str = "[REDACTED]";', ['credential_assignment']],
    ['val apiKey: String? = "q8v3n1x7c2m9b4z6"', 'val apiKey: String? = "[REDACTED]"', ['credential_assignment']],
    ['api_key: str = "q8v3n1x7c2m9b4z6"', 'api_key: str = "[REDACTED]"', ['credential_assignment']],
    ['System.setProperty("DEPLOY_TOKEN", "q8v3n1x7c2m9b4z6");', 'System.setProperty("DEPLOY_TOKEN", "[REDACTED]");', ['credential_assignment']],
    ['os.Setenv("DEPLOY_TOKEN", "q8v3n1x7c2m9b4z6")', 'os.Setenv("DEPLOY_TOKEN", "[REDACTED]")', ['credential_assignment']],
    ['putenv("API_KEY=q8v3n1x7c2m9b4z6");', 'putenv("API_KEY=[REDACTED]");', ['credential_assignment']],
    ['env::set_var("API_KEY", "q8v3n1x7c2m9b4z6");', 'env::set_var("API_KEY", "[REDACTED]");', ['credential_assignment']],
    ["config.set('password', 'q8v3n1x7c2m9');", "config.set('password', '[REDACTED]');", ['credential_assignment']],
    ["define( 'DB_PASSWORD', 'q8v3n1x7c2m9' );", "define( 'DB_PASSWORD', '[REDACTED]' );", ['credential_assignment']],
    ['<add key="ClearTextPassword" value="Birch-Lantern-2031" />', '<add key="ClearTextPassword" value="[REDACTED]" />', ['credential_assignment']],
    ['<entry key="password">q8v3n1x7</entry>', '<entry key="password">[REDACTED]</entry>', ['credential_assignment']],
    ['<property name="db.password" value="q8v3n1x7"/>', '<property name="db.password" value="[REDACTED]"/>', ['credential_assignment']],
    ['{"name": "api_token", "value": "q8v3n1x7c2m9"}', '{"name": "api_token", "value": "[REDACTED]"}', ['credential_assignment']],
    // The value ends at an escaped line break inside a string; the next line stays.
    ['"DEPLOY_TOKEN=q8v3n1x7c2m9\\nBACKUP_ENABLED=true"', '"DEPLOY_TOKEN=[REDACTED]\\nBACKUP_ENABLED=true"', ['credential_assignment']],
    ['{"env": "API_KEY=q8v3n1x7c2m9\\\\nDEBUG=1"}', '{"env": "API_KEY=[REDACTED]\\\\nDEBUG=1"}', ['credential_assignment']],
  ],
  credential_pairs: [
    ['mwells81@example.net:Qz4rTx8pLk', '[EMAIL]:[REDACTED]', ['email', 'email_password_pair']],
    ['combo "ana.lima@example.org:Vx9!rT2q" found', 'combo "[EMAIL]:[REDACTED]" found', ['email', 'email_password_pair']],
    ['login admin:Hunter2-Blue! ok', 'login admin:[REDACTED] ok', ['login_password_pair']],
    ['logged in as svc_backup:Tr0ub4dor&3x', 'logged in as svc_backup:[REDACTED]', ['login_password_pair']],
    ['curl -u admin:Hunter2-Blue! https://x.example', 'curl -u [REDACTED] https://x.example', ['cli_user_password']],
    // The address goes, but a path, a port or a plain word after it is no password.
    ['git@github.com:org/repo.git', '[EMAIL]:org/repo.git', ['email']],
    ['ops@example.com:8443 and ana@example.com:readonly', '[EMAIL]:8443 and [EMAIL]:readonly', ['email']],
  ],
  one_time_codes: [
    ['Your one-time code is 482913', 'Your one-time code is [REDACTED]', ['one_time_code']],
    ['sent verification code: 482913 to the user', 'sent verification code: [REDACTED] to the user', ['one_time_code']],
    ['OTP 4829 expires in 300 s', 'OTP [REDACTED] expires in 300 s', ['one_time_code']],
    ['{"step":"mfa","2FA code":"48291375"}', '{"step":"mfa","2FA code":"[REDACTED]"}', ['one_time_code']],
    ['Tu código de verificación es 482913', 'Tu código de verificación es [REDACTED]', ['one_time_code']],
    ['Ihr Bestätigungscode: 482913', 'Ihr Bestätigungscode: [REDACTED]', ['one_time_code']],
  ],
  netrc: [
    ['machine api.example.com login deploy password Rq7vX2mPz9Lk', 'machine api.example.com login deploy password [REDACTED]', ['netrc_password']],
    ['default\n  login anonymous\n  password guest@', 'default\n  login anonymous\n  password [REDACTED]', ['netrc_password']],
  ],
  jwt_and_bearer: [
    [`Authorization: Bearer ${JWT}`, 'Authorization: Bearer [JWT]', ['jwt']],
    [`id_token ${JWT} issued`, 'id_token [JWT] issued', ['jwt']],
    ['Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'Authorization: Bearer [REDACTED]', ['bearer_token']],
    ['curl -H "authorization: bearer abc.DEF-123_xyz~"', 'curl -H "authorization: bearer [REDACTED]"', ['bearer_token']],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [REDACTED]', ['basic_auth']],
  ],
  private_keys: [
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234\n-----END RSA PRIVATE KEY-----\nnext', '[PRIVATE KEY]\nnext', ['private_key']],
    ['{"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"}', '{"key":"[PRIVATE KEY]\\n"}', ['private_key']],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA (truncated', '[PRIVATE KEY]', ['private_key']],
  ],
  vendor_tokens: [
    [
      'aws key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws key [AWS_ACCESS_KEY] secret [AWS_SECRET_KEY]',
      ['aws_access_key_id', 'aws_secret_access_key'],
    ],
    ['token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'token [GITHUB_TOKEN]', ['github_token']],
    ['glpat-xYz123AbC456dEf789gH', '[GITLAB_TOKEN]', ['gitlab_token']],
    ['xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', '[SLACK_TOKEN]', ['slack_token']],
    [
      'POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'POST https://hooks.slack.com/services/[SLACK_WEBHOOK]',
      ['slack_webhook'],
    ],
    [
      'POST https://contoso.webhook.office.com/webhookb2/0b6c1a2e-5f3d-4e8a-9c7b-2d1e0f9a8b7c@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/5c8e1f0a9b3d47e2a6c4f8b0d2e1a3c5/9f8e7d6c-5b4a-3c2d-1e0f-a9b8c7d6e5f4 -> 200',
      'POST https://contoso.webhook.office.com/webhookb2/[TEAMS_WEBHOOK] -> 200',
      ['teams_webhook'],
    ],
    [
      'notify outlook.office.com/webhook/3f2a9c0d-1e7b-4a6c-8d0e-2f4a6b8c0d1e@tenant/IncomingWebhook/abc',
      'notify outlook.office.com/webhook/[TEAMS_WEBHOOK]',
      ['teams_webhook'],
    ],
    ['maps AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'maps [GOOGLE_KEY]', ['google_api_key']],
    ['stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'stripe [STRIPE_KEY]', ['stripe_key']],
    ['//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789', '//registry.npmjs.org/:_authToken=[NPM_TOKEN]', ['npm_token']],
    ['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', '[SENDGRID_KEY]', ['sendgrid_key']],
    ['twilio SK0123456789abcdef0123456789abcdef', 'twilio [TWILIO_KEY]', ['twilio_key']],
    ['OPENAI sk-proj-abc123DEF456ghi789JKL012mno345PQR678stu901', 'OPENAI [API_KEY]', ['openai_key']],
    [
      `AccountName=acct;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net`,
      'AccountName=acct;AccountKey=[AZURE_KEY];EndpointSuffix=core.windows.net',
      ['azure_storage_key'],
    ],
    [
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=k3yV4lue+abc=',
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=[REDACTED]',
      ['credential_assignment'],
    ],
    ['secret abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456_', 'secret [AZURE_SECRET]', ['azure_ad_client_secret']],
    ['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', '[SECRET]', ['vendor_token']],
  ],
  urls: [
    ['https://admin:s3cret@db.example.com:5432/app', 'https://[REDACTED]@db.example.com:5432/app', ['url_credentials']],
    ['redis://:p4ss@cache:6379', 'redis://[REDACTED]@cache:6379', ['url_credentials']],
    [
      'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=abc%2Bdef%3D',
      'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=[REDACTED]',
      ['sensitive_query_param'],
    ],
    ['GET /callback?code=4/0AX4XfWh&state=xyz', 'GET /callback?code=[REDACTED]&state=xyz', ['sensitive_query_param']],
    [
      'https://api.example.com/v1/items?access_token=abc123&page=2',
      'https://api.example.com/v1/items?access_token=[REDACTED]&page=2',
      ['sensitive_query_param'],
    ],
  ],
};

// Look-alikes that must come through byte-identical.
const negatives: Record<string, string[]> = {
  versions_and_builds: [
    'version 1.2.3',
    'Version=1.0.0.0 loaded',
    'node v20.19.1 on darwin 23.4.0',
    'build 2024.05.01-rc.3',
    'AssemblyVersion("10.0.19041.1")',
  ],
  one_time_code_look_alikes: [
    // Durations, counts, years and codes that are no credential, after the same words.
    'verification code expires in 3600 seconds',
    'OTP length 6, sent 2 of 5 today',
    'login code path took 1234ms',
    'sms provider answered 2026-12-07T10:00:00Z',
    'error code: 4021 (card declined)',
    'reset your password in settings; machine learning job 4821 done',
  ],
  office_urls: [
    // Office links that are no webhook: a mailbox item, a document, the docs about webhooks.
    'open https://outlook.office.com/mail/inbox/id/AAQkADAwATM0MDAAMS1iNTcyLTA1ZAAQAFc',
    'https://contoso.sharepoint.com/sites/ops/Shared%20Documents/runbook.docx',
    'see https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook',
  ],
  images: [
    // 64 bytes in base64 are an Azure storage key's shape; a file signature first makes them a (tiny) image.
    `{"avatar":"data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(48, 7)]).toString('base64')}"}`,
    `thumb ${Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(54, 200)]).toString('base64')}`,
  ],
  ids: [
    'uuid 550e8400-e29b-41d4-a716-446655440000',
    'request 12345678-1234-1234-1234-123456789012 done',
    'order ORD-2024-000123 id 12345678 total 1499',
    'order number 1234567890',
    'invoice no 4111111111',
    'commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
  ],
  times_and_durations: [
    'at 2024-03-15T14:30:00.123Z took 1234ms',
    'ts 1716200000123 and 1716200000 and 1716200000123456',
    '2024-06-05T09:15:30.500-07:00',
    'elapsed 00:12:34.567',
    'Today is 05-20-2021',
  ],
  national_id_lookalikes: [
    // Checks that fail, next to the words that name them.
    'NHS 943 476 5918',
    'DNI 12345678A',
    'NRIC S1234567E',
    'PESEL 44051401459',
    'codice fiscale RSSMRA85T10A562T',
    'CPF 123.456.789-08',
    'RRN 900101-1234567',
    'PAN ABCZE1234F',
    'Aadhaar number: 234567890125',
    // Sound checks without a word naming them: all-digit numbers are order ids, counters and times first.
    'ref 9434765919 and 111222333 and 44051401458',
    'batch 943 476 5919 queued',
    'order 130 692 544 shipped',
    'ref 11010519491231002X',
    'epoch 1701234567890 build 20240101',
    'amount 1 234 567,89 EUR',
    // Inside ids, paths, versions and hex.
    'X-Request: 12345678A1',
    'v1.2.3-12345678Z',
    'file_12345678Z.log and /tmp/12345678Z',
    'stack 0x12345678 0xDEADBEEF',
    'uuid 12345678-1234-1234-1234-123456789012',
    'lot 0532 123 45 67 89',
    'ids 2345 6789 0124 5678',
  ],
  trace_ids: ['traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'span 00f067aa0ba902b7 parent 4bf92f3577b34da6a3ce929d0e0e4736'],
  code_and_words: [
    'tokens: 1500 tokenizer=cl100k secretName=db-pass passwordPolicy=strict',
    'Reset your password in 12 hours',
    'password: ${DB_PASSWORD}',
    'apiKey: this.apiKey,',
    'const token = getToken(req);',
    'Bearer authentication required',
    'std::vector<int> and MyClass::method',
    'sk-learn-compatible estimator',
    'package @azure/functions@4.16.5 and lodash@4.17.21',
    'ratio 3:4 at 12:30:45 mac aa:bb:cc:dd:ee:ff',
  ],
  // Credential words in code, coordinates, declarations, templates and pairs that are not logins.
  credential_look_alikes: [
    'io.jsonwebtoken:jjwt-jackson-0.11.2',
    "implementation 'io.jsonwebtoken:jjwt-impl:0.12.3'",
    'apiKey: string;',
    'interface Creds { password: string; token?: string }',
    'api_key: str',
    'token count = 1532',
    'the password string is empty',
    'Token::new(kind) and Secret::from(x)',
    'credentials: new AWS.Credentials(id, key)',
    'token: await fetchToken()',
    'password: {{ .Values.Password }}',
    "password: '{{ .Values.password | b64enc }}'",
    "secret: <%= ENV['SECRET'] %>",
    'telegram_api_token = "<xsd:element name="AgencyCode" type="x:CodeType"/>"',
    't("password", "Your password")',
    '<option name="token">Token</option> and t("apiKey", "ApiKey")',
    'os.Setenv("API_KEY", apiKey)',
    'os.getenv("API_TOKEN", "")',
    '<add key="PasswordPolicy" value="strict" />',
    '<add key="RequirePassword" value="true" />',
    '<input type="password" name="password" value="">',
    'redis host:6379 user alice:1234 at 12:30 ns:name key:value',
    'login succeeded for alice at 12:30',
    'login alice:1234 ok',
    'auth module:v2.3.1 loaded',
    'credential cache size:123456',
    'if (token != null) return',
    '$token .= $suffix;',
  ],
};

describe('masking engine, per category', () => {
  for (const [category, cases] of Object.entries(positives)) {
    it.each(cases)(`${category}: %j`, (input, expected, rules) => {
      const result = engine.maskText(input);
      expect(result.text).toBe(expected);
      expect(result.rules).toEqual(rules);
    });
  }

  for (const [kind, cases] of Object.entries(negatives)) {
    it.each(cases)(`leaves ${kind} alone: %j`, (input) => {
      const result = engine.maskText(input);
      expect(result.text).toBe(input);
      expect(result.rules).toEqual([]);
    });
  }

  it('masks already-masked text to itself (idempotent)', () => {
    for (const [, cases] of Object.entries(positives)) {
      for (const [input] of cases) {
        const once = engine.maskText(input).text;
        expect(engine.maskText(once).text).toBe(once);
      }
    }
  });
});

describe('masking engine, walking values', () => {
  it('masks nested strings, values under sensitive names and header pairs, recording paths and rules only', () => {
    const input = {
      message: 'login by jane@example.com from 203.0.113.7',
      context: {
        user: { email: 'jane@example.com', password: 'hunter2', passwordPolicy: 'strict', pin: 1234 },
        tokenCount: 17,
        auth: { scheme: 'basic', credentials: ['a', 'b'] },
      },
      attributes: [{ 'http.url': 'https://api.example.com/x?token=abc123&page=2' }, { note: 'nothing here' }],
      headers: [
        { name: 'Authorization', value: 'Bearer abc' },
        { name: 'Accept', value: 'application/json' },
      ],
      body: '{"card":"4111 1111 1111 1111","amount":12}',
      count: 3,
      ok: true,
      nothing: null,
    };
    const snapshot = structuredClone(input);
    const { value, redaction } = engine.maskValue(input);

    expect(input).toEqual(snapshot);
    expect(value).toEqual({
      message: 'login by [EMAIL] from [IP]',
      context: {
        user: { email: '[EMAIL]', password: '[REDACTED]', passwordPolicy: 'strict', pin: '[REDACTED]' },
        tokenCount: 17,
        auth: { scheme: '[REDACTED]', credentials: ['[REDACTED]', '[REDACTED]'] },
      },
      attributes: [{ 'http.url': 'https://api.example.com/x?token=[REDACTED]&page=2' }, { note: 'nothing here' }],
      headers: [
        { name: 'Authorization', value: '[REDACTED]' },
        { name: 'Accept', value: 'application/json' },
      ],
      body: '{"card":"**** **** **** 1111","amount":12}',
      count: 3,
      ok: true,
      nothing: null,
    });
    expect(redaction.fieldsRedacted).toEqual([
      'message',
      'context.user.email',
      'context.user.password',
      'context.user.pin',
      'context.auth.scheme',
      'context.auth.credentials[0]',
      'context.auth.credentials[1]',
      'attributes[0].http.url',
      'headers[0].value',
      'body',
    ]);
    expect(redaction.patternsMatched).toEqual(['email', 'ipv4', 'sensitive_field', 'sensitive_query_param', 'credit_card']);
    expect(redaction.count).toBe(11);
    expect(JSON.stringify(redaction)).not.toMatch(/jane|hunter2|abc123|4111|203\.0/);
  });

  it('masks a field named for a national id whatever its shape, and leaves fields that only describe one', () => {
    const { value, redaction } = engine.maskValue({
      customer: { pesel: '44051401459', national_id: 'AB 12 34 56 C', passportNumber: 'K1234567', 'Driving-Licence': 'MORGA753116SM9IJ' },
      document: { passportCountry: 'PL', nationalIdType: 'pesel', tin: 12345678 },
    });
    expect(value).toEqual({
      customer: { pesel: '[NATIONAL_ID]', national_id: '[NATIONAL_ID]', passportNumber: '[NATIONAL_ID]', 'Driving-Licence': '[NATIONAL_ID]' },
      document: { passportCountry: 'PL', nationalIdType: 'pesel', tin: '[NATIONAL_ID]' },
    });
    expect(redaction).toEqual({
      fieldsRedacted: ['customer.pesel', 'customer.national_id', 'customer.passportNumber', 'customer.Driving-Licence', 'document.tin'],
      patternsMatched: ['national_id_field'],
      count: 5,
    });
  });

  it('masks OTLP-style key/value attribute lists by the key, and secrets inside JSON carried as a string', () => {
    const { value, redaction } = engine.maskValue({
      attributes: [
        { key: 'http.request.header.authorization', value: { stringValue: 'Basic dXNlcjpwYXNz' } },
        { key: 'http.route', value: { stringValue: '/api/orders/{id}' } },
      ],
      body: '{"user":{"email":"ann@example.com"},"db":"postgres://svc:pa55@db:5432/x","headers":{"X-Api-Key":"k-123456"}}',
    });
    expect(value).toEqual({
      attributes: [
        { key: 'http.request.header.authorization', value: { stringValue: '[REDACTED]' } },
        { key: 'http.route', value: { stringValue: '/api/orders/{id}' } },
      ],
      body: '{"user":{"email":"[EMAIL]"},"db":"postgres://[REDACTED]@db:5432/x","headers":{"X-Api-Key":"[REDACTED]"}}',
    });
    expect(redaction).toEqual({
      fieldsRedacted: ['attributes[0].value.stringValue', 'body'],
      patternsMatched: ['sensitive_field', 'email', 'url_credentials', 'credential_assignment'],
      count: 4,
    });
  });

  it('masks a pair by its name whatever the order of its fields, in copies and in the walk that shares clean objects', () => {
    const pairs = [
      { value: 'Bearer abc', name: 'Authorization' },
      { value: 'secret-value', key: 'password' },
      { name: 'Accept', value: 'application/json' },
    ];
    const masked = [{ value: '[REDACTED]', name: 'Authorization' }, { value: '[REDACTED]', key: 'password' }, pairs[2]];
    expect(engine.maskValue({ pairs }).value).toEqual({ pairs: masked });
    const target: Record<string, unknown> = {};
    const redaction = engine.maskFieldsInto!(target, { pairs });
    expect(target).toEqual({ pairs: masked });
    expect((target.pairs as unknown[])[2]).toBe(pairs[2]);
    expect(redaction.fieldsRedacted).toEqual(['pairs[0].value', 'pairs[1].value']);
  });

  it('prefixes paths and masks card numbers sent as JSON numbers', () => {
    const { value, redaction } = engine.maskValue({ card: { number: 4111111111111111 }, amount: 1716200000123 }, 'context');
    expect(value).toEqual({ card: { number: '************1111' }, amount: 1716200000123 });
    expect(redaction).toEqual({ fieldsRedacted: ['context.card.number'], patternsMatched: ['credit_card'], count: 1 });
  });

  it('returns the same text and no remarks when nothing matches', () => {
    const text = 'GET /api/items 200 in 12ms';
    const result = engine.maskText(text);
    expect(result.text).toBe(text);
    expect(result.rules).toEqual([]);
    expect(engine.maskValue({ a: [text, 1, false] })).toEqual({
      value: { a: [text, 1, false] },
      redaction: { fieldsRedacted: [], patternsMatched: [], count: 0 },
    });
  });

  it('leaves hex ids alone but scans a hex-looking string whose run of digits could be a number', () => {
    // Lower-case hex strings skip the scan only while their runs of digits are too short for any rule: a card
    // number or an SSN is lower-case hex too, as a whole string, as a field value, and inside an id.
    for (const id of ['9f86d081884c7d65', 'c0ffee1234567abc', 'deadbeef']) {
      expect(engine.maskText(id)).toMatchObject({ text: id, rules: [] });
      expect(engine.maskValue({ correlationId: id }).redaction.count).toBe(0);
    }
    expect(engine.maskText('4111111111111111').rules).toEqual(['credit_card']);
    expect(engine.maskValue({ value: '4111111111111111' }).value).toEqual({ value: '************1111' });
    expect(engine.maskValue({ ref: '536228712' }).redaction.patternsMatched).toEqual(['us_ssn_bare']);
  });

  it('hashes joinable identifiers with the keyed HMAC: same input, same digest; another key, another digest', () => {
    const rules = loadMaskingRules();
    const one = createMaskingEngine(rules, { hashKey: 'key-one' });
    const two = createMaskingEngine(rules, { hashKey: 'key-two' });
    const first = one.maskValue({ customerId: 'C-1001' }).value.customerId;
    expect(first).toMatch(/^\[ID:[0-9a-f]{12}\]$/);
    expect(one.maskValue({ customer_id: 'C-1001' }).value.customer_id).toBe(first);
    expect(two.maskValue({ customerId: 'C-1001' }).value.customerId).not.toBe(first);
  });

  it('guards against cycles and depth', () => {
    const node: Record<string, unknown> = { email: 'a@example.com' };
    node.self = node;
    const { value } = engine.maskValue(node);
    expect(value).toEqual({ email: '[EMAIL]', self: '[CIRCULAR]' });
  });

  it('copies a field named __proto__ as a field, masked, without touching the copy’s prototype', () => {
    const input = JSON.parse('{"__proto__":{"email":"a@example.com","password":"hunter2"},"note":"ok"}') as Record<string, unknown>;
    const { value, redaction } = engine.maskValue(input);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'note']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ email: '[EMAIL]', password: '[REDACTED]' });
    expect(redaction).toEqual({ fieldsRedacted: ['__proto__.email', '__proto__.password'], patternsMatched: ['email', 'sensitive_field'], count: 2 });
    // Under a sensitive name too, and written into a target by maskFieldsInto.
    const secret = JSON.parse('{"token":{"__proto__":"abc123"}}') as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(engine.maskValue(secret).value.token, '__proto__')?.value).toBe('[REDACTED]');
    const target: Record<string, unknown> = {};
    engine.maskFieldsInto!(target, input);
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(target, '__proto__')?.value).toEqual({ email: '[EMAIL]', password: '[REDACTED]' });
  });

  it('masks the next value right after a walk that threw part-way', () => {
    const hostile = {
      outer: {
        mail: 'a@example.com',
        get boom(): string {
          throw new Error('getter');
        },
      },
    };
    expect(() => engine.maskValue(hostile)).toThrow('getter');
    expect(engine.maskValue({ list: [{ mail: 'b@example.com' }] }, 'context')).toEqual({
      value: { list: [{ mail: '[EMAIL]' }] },
      redaction: { fieldsRedacted: ['context.list[0].mail'], patternsMatched: ['email'], count: 1 },
    });
  });

  it('writes masked fields into a target as maskValue would copy them, skipping the fields named', () => {
    const source = { id: 'a@example.com', message: 'mail b@example.com', context: { password: 'x', list: ['c@example.com', 7] }, level: 'info' };
    const target: Record<string, unknown> = { first: 1 };
    const redaction = engine.maskFieldsInto!(target, source, new Set(['id', 'level']), 'item');
    const { id: _id, level: _level, ...fields } = source;
    const expected = engine.maskValue(fields, 'item');
    expect(target).toEqual({ first: 1, ...expected.value });
    expect(Object.keys(target)).toEqual(['first', 'message', 'context']);
    expect(redaction).toEqual(expected.redaction);
    expect(redaction.fieldsRedacted).toEqual(['item.message', 'item.context.password', 'item.context.list[0]']);
  });

  it('maskFieldsInto equals maskValue then Object.assign over generated values, and leaves them unchanged', () => {
    // A seeded generator of JSON-like values mixing clean words, secrets, sensitive names and header pairs.
    let seed = 23;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)]!;
    const keys = ['message', 'screen', 'password', 'note', 'user', 'items', 'name', 'value', 'apiKey', '__proto__', 'cookie', 'n'] as const;
    const leaves = [
      'Cart',
      'ok',
      'mail a@example.com',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl',
      'Authorization',
      '',
      4111111111111111,
      42,
      true,
      null,
    ] as const;
    const value = (depth: number): unknown => {
      const roll = random();
      if (depth > 3 || roll < 0.5) return pick(leaves);
      if (roll < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const record: Record<string, unknown> = {};
      for (let count = Math.floor(random() * 5); count > 0; count--)
        Object.defineProperty(record, pick(keys), { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
      return record;
    };
    let masked = 0;
    let shared = 0;
    for (let round = 0; round < 300; round++) {
      const source: Record<string, unknown> = { kind: 'log', id: `item-${round}` };
      for (let count = 1 + Math.floor(random() * 5); count > 0; count--)
        Object.defineProperty(source, pick(keys), { value: value(1), enumerable: true, writable: true, configurable: true });
      const snapshot = JSON.stringify(source);
      const skip = new Set(['kind', 'id']);
      const fields = Object.fromEntries(Object.entries(source).filter(([key]) => !skip.has(key)));
      const expected = engine.maskValue(fields, 'item');
      const target: Record<string, unknown> = { first: true };
      const redaction = engine.maskFieldsInto!(target, source, skip, 'item');
      expect(JSON.stringify(target)).toBe(JSON.stringify({ first: true, ...expected.value }));
      expect(Object.keys(target)).toEqual(['first', ...Object.keys(expected.value)]);
      expect(redaction).toEqual(expected.redaction);
      expect(JSON.stringify(source)).toBe(snapshot);
      masked += redaction.count;
      shared += Object.keys(target).filter(
        (key) => key !== 'first' && typeof target[key] === 'object' && target[key] !== null && target[key] === source[key],
      ).length;
    }
    // The generated values did exercise both paths: things masked, and clean objects shared.
    expect(masked).toBeGreaterThan(100);
    expect(shared).toBeGreaterThan(10);
  });

  it('shares what has nothing to mask with maskFieldsInto’s source, copies the rest, and leaves the source as it was', () => {
    const clean = { screen: 'Cart', tags: ['a', 'b'], nested: { count: 2 } };
    const dirty = { note: 'ok', mail: 'c@example.com', tail: 1 };
    const source = { clean, dirty, list: ['d@example.com', 'fine'], drop: { cookie: 'x' } };
    const snapshot = JSON.parse(JSON.stringify(source)) as unknown;
    const target: Record<string, unknown> = {};
    engine.maskFieldsInto!(target, source);
    expect(target).toEqual(engine.maskValue(source).value);
    expect(target.clean).toBe(clean);
    expect(target.dirty).not.toBe(dirty);
    expect(Object.keys(target.dirty as object)).toEqual(['note', 'mail', 'tail']);
    expect(source).toEqual(snapshot);
    // maskValue still copies everything.
    expect(engine.maskValue({ clean }).value.clean).not.toBe(clean);
  });
});

describe('masking rules file', () => {
  it('holds a literal of national_id_in_context inside every word that names a format it reads', () => {
    // The literals are the rule's pre-check: a word without one would never let the rule run.
    const rule = loadMaskingRules().rules.find((candidate) => candidate.name === 'national_id_in_context')!;
    const anyCase = rule.detector.anyCase ?? [];
    const exact = rule.detector.requires ?? [];
    const missing: string[] = [];
    for (const format of NATIONAL_ID_FORMATS) {
      if (format.shapes.every((shape) => shape.alone)) continue;
      for (const word of format.words?.split('|') ?? []) {
        if (!anyCase.some((literal) => word.toLowerCase().includes(literal)) && !exact.some((literal) => word.includes(literal))) missing.push(word);
      }
      for (const acronym of format.acronyms?.split('|') ?? []) if (!exact.some((literal) => acronym.includes(literal))) missing.push(acronym);
    }
    expect(missing).toEqual([]);
  });

  it('checks national ids as their schemes define', () => {
    // Verhoeff's own example (236 gets 3), and a check changed anywhere fails.
    expect(verhoeffValid('2363')).toBe(true);
    expect(['2364', '2263', '3263'].map(verhoeffValid)).toEqual([false, false, false]);
  });

  it('rejects an invalid rules document, naming the field', () => {
    expect(() => parseMaskingRules('version: 1\nrules:\n  - name: Bad-Name\n    category: pii\n    detector: { regex: "x" }\n    method: replace\n')).toThrow(
      /rules\.0\.name/,
    );
    expect(() => parseMaskingRules('version: 1\nrules:\n  - name: ok\n    category: pii\n    detector: { regex: "x" }\n    method: replace\n')).toThrow(
      /label/,
    );
    expect(() =>
      parseMaskingRules('version: 1\nrules:\n  - name: ok\n    category: pii\n    detector: { regex: "(" }\n    method: replace\n    label: X\n'),
    ).not.toThrow();
    expect(() =>
      createMaskingEngine(
        parseMaskingRules('version: 1\nrules:\n  - name: ok\n    category: pii\n    detector: { regex: "(" }\n    method: replace\n    label: X\n'),
      ),
    ).toThrow(/ok: invalid regex/);
  });

  it('supports the remove method', () => {
    const custom = createMaskingEngine(
      parseMaskingRules(
        'version: 1\nrules:\n  - name: ticket\n    category: pii\n    detector: { regex: "TCK-\\\\d+ ?" }\n    method: remove\nfields:\n  - name: drop_cookie\n    method: remove\n    equals: [cookie]\n',
      ),
    );
    expect(custom.maskText('see TCK-123 now')).toEqual({ text: 'see now', rules: ['ticket'], count: 1 });
    expect(custom.maskValue({ cookie: 'a=b', keep: 1 })).toEqual({
      value: { keep: 1 },
      redaction: { fieldsRedacted: ['cookie'], patternsMatched: ['drop_cookie'], count: 1 },
    });
  });
});
