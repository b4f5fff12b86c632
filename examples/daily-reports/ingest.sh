#!/usr/bin/env bash
# ingest.sh DATE...: fetches the day's raw events (here: made up, the same for the same date) into raw/DATE.csv.
# DATE is an ISO week date: 2026-W45-1 is the Monday of week 45 of 2026 (2 November). bash and coreutils only.
set -euo pipefail
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
mkdir -p "$data/raw"
for date in "$@"; do
    [[ $date =~ ^[0-9]{4}-W[0-9]{2}-[1-7]$ ]] || { echo "ingest.sh: '$date' is not a week date like 2026-W45-1" >&2; exit 2; }
    seed=$(printf '%s' "$date" | cksum | cut -d' ' -f1)
    {
        echo "hour,user,amount"
        for ((hour = 0; hour < 24; hour++)); do
            # about one row in seven arrives broken, as real feeds do: clean.sh drops them
            if (( (seed + hour) % 7 == 0 )); then echo "$hour,,corrupt"; else echo "$hour,user$((hour % 5)),$(( (seed / (hour + 1)) % 100 ))"; fi
        done
    } > "$data/raw/$date.csv.tmp"
    mv "$data/raw/$date.csv.tmp" "$data/raw/$date.csv"   # whole or not at all: a rerun never sees half a file
    echo "ingested $date: $(($(wc -l < "$data/raw/$date.csv") - 1)) events"
done
