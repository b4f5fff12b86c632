#!/bin/sh
# ingest.sh DATE...: fetches the day's raw events (here: made up, the same for the same date) into raw/DATE.csv
set -eu
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
mkdir -p "$data/raw"
for date in "$@"; do
    seed=$(printf '%s' "$date" | cksum | cut -d' ' -f1)
    {
        echo "hour,user,amount"
        hour=0
        while [ $hour -lt 24 ]; do
            amount=$(( (seed / (hour + 1)) % 100 ))
            if [ $(( (seed + hour) % 7 )) -eq 0 ]; then echo "$hour,,corrupt"; else echo "$hour,user$((hour % 5)),$amount"; fi
            hour=$((hour + 1))
        done
    } > "$data/raw/$date.csv.tmp"
    mv "$data/raw/$date.csv.tmp" "$data/raw/$date.csv"
    echo "ingested $date: $(($(wc -l < "$data/raw/$date.csv") - 1)) events"
done
