-- A job's label requirements (its labels, plus arch from target_architecture), one row each. The jobs list filter
-- label=key=value reads the (key, value, job_seq) key backwards: newest matching job first, no scan of other jobs.
-- job_seq, not the text id, so that key also gives the list's order.
CREATE TABLE job_labels (
    job_seq  INTEGER NOT NULL REFERENCES jobs (seq),
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (key, value, job_seq)
) WITHOUT ROWID;

-- From the stored spec, not from the old ' k=v k=v ' column, which cannot tell a space inside a value from a separator.
INSERT INTO job_labels (job_seq, key, value)
SELECT jobs.seq, label.key, label.value
FROM jobs, json_each(jobs.spec, '$.labels') AS label
WHERE label.key <> 'arch' OR json_extract(jobs.spec, '$.target_architecture') IS NULL;

INSERT INTO job_labels (job_seq, key, value)
SELECT seq, 'arch', json_extract(spec, '$.target_architecture')
FROM jobs
WHERE json_extract(spec, '$.target_architecture') IS NOT NULL;

ALTER TABLE jobs DROP COLUMN labels;
