-- The publish job as an analyst would write it in DuckDB: read the four raw exports
-- (docs/exports.md), convert UK local times to UTC, normalise phone numbers to E.164, link
-- recordings and incident calls to ACD calls with ASOF joins, add the partners' contacts,
-- sort by caller and time, and write one zstd Parquet file of contacts in the snapshot's
-- column layout.
--
-- Run by benches/peers/publish_worker.py, which first sets two variables:
--     SET VARIABLE raw_dir = '<folder of the exports>';
--     SET VARIABLE out_file = '<contacts.parquet to write>';
-- (the same in the duckdb shell: paste those two lines, then `.read publish_duckdb.sql`).
--
-- It does less than `engage publish`, on purpose (a lower bound for Engage to beat):
-- - no accounting: rejected rows are dropped, not kept with a reason; no report, no manifest;
-- - no clock-change rule: an autumn time that happens twice takes whichever instant DuckDB's
--   time zone library picks (Engage: the ACD's call id order, else the earlier instant); a
--   spring time that does not exist is dropped (found by converting back), as Engage rejects it;
-- - no CSU lookup (`csu` is NULL), no conflict rule (an exact repeat is dropped by DISTINCT; a
--   repeated id with other values would be kept twice);
-- - simpler links: a recording links to the latest answer at or before its start, within 5 s
--   (Engage: the nearest answer, before or after, within 5 s); a keyless incident call links
--   like a keyed one, to a call ended at most 10 minutes before (Engage: a call in progress).

SET TimeZone = 'UTC';

-- 'dd/mm/yyyy HH:MM:SS' in Europe/London to a UTC instant; NULL when unreadable or when the
-- local time does not exist (the spring hour): converting back does not give it again.
CREATE OR REPLACE MACRO local_ts(s) AS try_strptime(s, '%d/%m/%Y %H:%M:%S');
CREATE OR REPLACE MACRO london_to_utc(ts) AS
    CASE WHEN timezone('Europe/London', timezone('Europe/London', ts)) = ts
         THEN timezone('Europe/London', ts) END;

-- Caller line identity (crates/kernel/src/phone.rs, as far as SQL goes): the field trimmed of
-- white space and quotes; 'withheld' / 'unavailable' words (white space runs as one space);
-- else the digits, '+' allowed first, separators . - / ( ) and spaces ignored.
CREATE OR REPLACE MACRO cli_text(s) AS trim(coalesce(s, ''), ' ' || chr(9) || '"''`‘’“”');
CREATE OR REPLACE MACRO cli_word(s) AS lower(regexp_replace(cli_text(s), '\s+', ' ', 'g'));
CREATE OR REPLACE MACRO cli_status(s) AS
    CASE WHEN regexp_matches(s, '^\s*\+?[0-9]') THEN 'present'  -- no word starts so: fast path
         WHEN cli_text(s) = '' THEN 'unavailable'
         WHEN cli_word(s) IN ('withheld', 'number withheld', 'withheld number', 'private',
              'private number', 'private caller', 'anonymous', 'anonymous caller', 'restricted',
              'p') THEN 'withheld'
         WHEN cli_word(s) IN ('unavailable', 'number unavailable', 'not available', 'unknown',
              'n/a', 'na', 'u', 'out of area', 'none', 'null', '-') THEN 'unavailable'
         ELSE 'present' END;
CREATE OR REPLACE MACRO cli_digits(s) AS
    regexp_replace(cli_text(s), '[\s.\-/()"''`‘’“”]', '', 'g');
-- a UK national significant number: 10 digits from 1, 2, 3, 5, 7, 8, 9 or 9 from 1, 5, 8
CREATE OR REPLACE MACRO uk(n) AS
    CASE WHEN regexp_full_match(n, '[1235789][0-9]{9}|[158][0-9]{8}') THEN '+44' || n END;
-- E.164, or NULL when the field is not a number (a row with such a number is dropped)
CREATE OR REPLACE MACRO e164_of(d) AS
    CASE WHEN NOT regexp_full_match(d, '\+?[0-9]{1,20}') THEN NULL
         WHEN d[1] = '+' OR d[1:2] = '00' THEN (
             CASE WHEN regexp_replace(d, '^(\+|00)', '')[1:2] = '44'
                  THEN uk(regexp_replace(d, '^(\+|00)44(0)?', ''))
                  WHEN regexp_full_match(regexp_replace(d, '^(\+|00)', ''), '[1-9][0-9]{7,14}')
                  THEN '+' || regexp_replace(d, '^(\+|00)', '') END)
         WHEN length(d) < 7 THEN NULL
         WHEN d[1] = '0' THEN uk(d[2:])
         ELSE coalesce(CASE WHEN d[1:2] = '44' THEN uk(d[3:]) END, uk(d)) END;
CREATE OR REPLACE MACRO e164(s) AS e164_of(cli_digits(s));

-- Postcodes: letters and digits upper-cased, a space before the inward code; NULL unless it
-- then looks like a UK postcode. Addresses: upper-case words of letters and digits.
CREATE OR REPLACE MACRO postcode_of(s) AS (
    SELECT CASE WHEN regexp_full_match(p, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
                THEN p[:-4] || ' ' || p[-3:] END
    FROM (SELECT upper(regexp_replace(coalesce(s, ''), '[^A-Za-z0-9]', '', 'g')) AS p));
CREATE OR REPLACE MACRO address_of(s) AS
    nullif(trim(regexp_replace(upper(coalesce(s, '')), '[^A-Z0-9]+', ' ', 'g')), '');

-- Each export is read into a table first (DISTINCT drops the exact repeats of overlapping
-- exports; ignore_errors drops rows cut short or with extra fields; blank lines are skipped),
-- its fields are then parsed once into columns, and the rows that cannot be read are dropped
-- in a last step (a filter written over the parsing expressions would evaluate them again).
CREATE TEMP TABLE acd_raw AS
SELECT DISTINCT * FROM read_csv(getvariable('raw_dir') || '/acd_calls.csv', header = true,
    all_varchar = true, ignore_errors = true, delim = ',', quote = '"', escape = '"');
CREATE TEMP TABLE acd_parsed AS
SELECT trim(call_id) AS call_id, trim(line) AS line, cli_status(cli) AS cli_status,
       e164(cli) AS number,
       london_to_utc(local_ts(arrived)) AS arrived_at,
       london_to_utc(local_ts(answered)) AS answered_at, nullif(trim(answered), '') AS answered,
       london_to_utc(local_ts(ended)) AS ended_at, nullif(trim(ended), '') AS ended,
       lower(trim(outcome)) AS outcome
FROM acd_raw;
-- The ACD: one contact per call.
CREATE TEMP TABLE acd AS
SELECT call_id, line, cli_status,
       CASE WHEN cli_status = 'present' THEN number END AS caller_key,
       arrived_at, answered_at, ended_at, outcome
FROM acd_parsed
WHERE call_id <> '' AND line <> '' AND (cli_status <> 'present' OR number IS NOT NULL)
  AND arrived_at IS NOT NULL
  AND (answered IS NULL OR answered_at IS NOT NULL)
  AND (ended IS NULL OR ended_at IS NOT NULL)
  AND outcome IN ('answered', 'abandoned', 'transferred');

-- Inbound phone recordings, keyed by the remote number ('' for withheld and unavailable, so
-- keyless recordings meet keyless calls).
CREATE TEMP TABLE recordings_raw AS
SELECT DISTINCT * FROM read_csv(getvariable('raw_dir') || '/recordings.csv', header = true,
    all_varchar = true, ignore_errors = true, delim = ',', quote = '"', escape = '"')
WHERE lower(trim(channel)) = 'phone' AND lower(trim(direction)) = 'inbound';
CREATE TEMP TABLE recordings_parsed AS
SELECT trim(recording_id) AS recording_id, cli_status(remote_number) AS cli_status,
       e164(remote_number) AS number, london_to_utc(local_ts(started)) AS started_at
FROM recordings_raw;
CREATE TEMP TABLE recordings AS
SELECT recording_id, CASE WHEN cli_status = 'present' THEN number ELSE '' END AS link_key,
       started_at
FROM recordings_parsed
WHERE started_at IS NOT NULL AND (cli_status <> 'present' OR number IS NOT NULL);

-- Incident calls.
CREATE TEMP TABLE incidents_raw AS
SELECT DISTINCT * FROM read_csv(getvariable('raw_dir') || '/incident_calls.csv', header = true,
    all_varchar = true, ignore_errors = true, delim = ',', quote = '"', escape = '"');
CREATE TEMP TABLE incidents_parsed AS
SELECT trim(incident_id) AS incident_id, cli_status(caller_phone) AS cli_status,
       e164(caller_phone) AS number, london_to_utc(local_ts(call_time)) AS call_at,
       nullif(trim(opening_category), '') AS category,
       nullif(trim(closing_category), '') AS closing_category,
       nullif(trim(grade), '') AS grade_text, try_cast(trim(grade) AS TINYINT) AS grade,
       postcode_of(postcode) AS postcode, address_of(location) AS address_key
FROM incidents_raw;
CREATE TEMP TABLE incidents AS
SELECT incident_id, CASE WHEN cli_status = 'present' THEN number ELSE '' END AS link_key,
       call_at, category, closing_category, grade, postcode, address_key
FROM incidents_parsed
WHERE incident_id <> '' AND call_at IS NOT NULL
  AND (cli_status <> 'present' OR number IS NOT NULL)
  AND (grade_text IS NULL OR grade BETWEEN 1 AND 9);

-- Answered calls, the side both links search.
CREATE TEMP TABLE answered AS
SELECT call_id, coalesce(caller_key, '') AS link_key, answered_at, ended_at
FROM acd WHERE answered_at IS NOT NULL;

-- Recording -> call: the latest answer at or before the recording's start, within 5 s; a
-- call keeps the first recording (by start, then id) that chose it.
CREATE TEMP TABLE recording_links AS
SELECT call_id, recording_id
FROM (SELECT r.recording_id, r.started_at, a.call_id, a.answered_at
      FROM recordings r ASOF JOIN answered a
        ON r.link_key = a.link_key AND r.started_at >= a.answered_at)
WHERE started_at - answered_at <= INTERVAL 5 SECOND
QUALIFY row_number() OVER (PARTITION BY call_id ORDER BY started_at, recording_id) = 1;

-- Incident call -> call: the latest answered at or before the call time, ended no more than
-- 10 minutes before it; the first incident call (by time) gives the contact its incident.
CREATE TEMP TABLE incident_links AS
SELECT call_id, incident_id, category, closing_category, grade, postcode, address_key
FROM (SELECT i.*, a.call_id, a.ended_at
      FROM incidents i ASOF JOIN answered a
        ON i.link_key = a.link_key AND i.call_at >= a.answered_at)
WHERE ended_at >= call_at - INTERVAL 10 MINUTE
QUALIFY row_number() OVER (PARTITION BY call_id ORDER BY call_at, incident_id) = 1;

-- Partners' contacts: a pseudonym as given, a number normalised.
CREATE TEMP TABLE partners_raw AS
SELECT DISTINCT * FROM read_csv(getvariable('raw_dir') || '/partner_contacts.csv',
    header = true, all_varchar = true, ignore_errors = true, delim = ',', quote = '"',
    escape = '"');
CREATE TEMP TABLE partners_parsed AS
SELECT trim(contact_id) AS contact_id, lower(trim(agency)) AS agency, trim(line) AS line,
       london_to_utc(local_ts(received)) AS received_at,
       regexp_full_match(trim(coalesce(caller_key, '')), 'ps:[0-9a-f]{32}') AS pseudonym,
       trim(caller_key) AS given_key, cli_status(caller_key) AS cli_status,
       e164(caller_key) AS number, lower(trim(outcome)) AS outcome,
       nullif(trim(category), '') AS category
FROM partners_raw;
CREATE TEMP TABLE partners AS
SELECT contact_id,
       CASE WHEN agency IN ('fire', 'fire and rescue', 'frs') THEN 'fire'
            ELSE 'ambulance' END AS agency,
       line, received_at,
       CASE WHEN pseudonym THEN given_key WHEN cli_status = 'present' THEN number END
           AS caller_key,
       CASE WHEN pseudonym THEN 'present' ELSE cli_status END AS cli_status,
       outcome, category
FROM partners_parsed
WHERE contact_id <> '' AND line <> ''
  AND agency IN ('fire', 'fire and rescue', 'frs', 'ambulance', 'ambulance service',
                 'nhs ambulance')
  AND received_at IS NOT NULL
  AND (pseudonym OR cli_status <> 'present' OR number IS NOT NULL)
  AND outcome IN ('answered', 'abandoned', 'transferred');

COPY (
    SELECT a.call_id AS contact_id, 'police' AS agency, a.line, a.arrived_at AS received_at,
           a.caller_key, a.cli_status, a.outcome,
           CAST(epoch(a.answered_at - a.arrived_at) AS INTEGER) AS wait_s,
           CAST(epoch(a.ended_at - a.answered_at) AS INTEGER) AS talk_s,
           r.recording_id, i.incident_id, i.category, i.closing_category, i.grade,
           i.postcode, i.address_key, CAST(NULL AS VARCHAR) AS csu
    FROM acd a
    LEFT JOIN recording_links r USING (call_id)
    LEFT JOIN incident_links i USING (call_id)
    UNION ALL
    SELECT contact_id, agency, line, received_at, caller_key, cli_status, outcome,
           NULL, NULL, NULL, NULL, category, NULL, NULL, NULL, NULL, NULL
    FROM partners
    ORDER BY caller_key NULLS LAST, received_at, contact_id
) TO (getvariable('out_file')) (FORMAT parquet, COMPRESSION zstd);
