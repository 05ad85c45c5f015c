-- multi_agency: which callers reach more than one agency (police, fire, ambulance), and are
-- they repeat callers?
--
-- One row per caller with a key whose contacts reach two or more distinct agencies (agency
-- compared ignoring case and surrounding spaces). Partner contacts link to police contacts
-- through the shared caller key (a pseudonym agreed between agencies).
--
-- Columns:
--   caller_key        the caller (E.164 number or pseudonym)
--   agencies          agencies seen, distinct, sorted, comma-separated (e.g. ambulance,police)
--   police            contacts to the police
--   fire              contacts to fire and rescue
--   ambulance         contacts to the ambulance service
--   total             all the caller's contacts
--   first_contact     the caller's earliest contact
--   last_contact      the caller's latest contact
--   is_repeat_caller  whether the caller has at least one episode under the session's rule set
--                     (engage_rule_set())
--
-- The SELECT sorts by caller_key, but a view does not keep its order once queried (SQL
-- semantics; DataFusion drops the sort): write ORDER BY caller_key when order matters.
WITH keyed AS (
    SELECT
        caller_key,
        received_at,
        lower(trim(agency)) AS agency,
        repeat_episode(received_at, engage_rule_set())
            OVER (PARTITION BY caller_key ORDER BY received_at) AS episode_no
    FROM contacts
    WHERE caller_key IS NOT NULL
)
SELECT
    caller_key,
    array_to_string(array_sort(array_distinct(array_agg(agency))), ',') AS agencies,
    count(*) FILTER (WHERE agency = 'police') AS police,
    count(*) FILTER (WHERE agency = 'fire') AS fire,
    count(*) FILTER (WHERE agency = 'ambulance') AS ambulance,
    count(*) AS total,
    min(received_at) AS first_contact,
    max(received_at) AS last_contact,
    count(episode_no) > 0 AS is_repeat_caller
FROM keyed
GROUP BY caller_key
HAVING count(DISTINCT agency) > 1
ORDER BY caller_key
