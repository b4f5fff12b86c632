#!/usr/bin/env bash
# weekly.sh WEEK: sums the seven daily reports of WEEK (e.g. 2026-W45) into reports/weekly/WEEK.txt
set -euo pipefail
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
week=$1
mkdir -p "$data/reports/weekly"
days=0 events=0 total=0
for day in 1 2 3 4 5 6 7; do
    read -r _date e t < "$data/reports/daily/$week-$day.txt"   # "2026-W45-1 events=20 total=676"
    days=$((days + 1)) events=$((events + ${e#events=})) total=$((total + ${t#total=}))
done
echo "$week days=$days events=$events total=$total" > "$data/reports/weekly/$week.txt"
cat "$data/reports/weekly/$week.txt"
