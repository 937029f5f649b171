#!/usr/bin/env bash
# Checks the Prometheus assets with promtool (Debian package `prometheus`): the config and the
# rule files it names, every rule file on its own, and the rule unit tests (each alert has a
# case that fires and one that does not). The Grafana dashboard must be valid JSON, and each of
# its queries valid PromQL: promtool parses them as recording rules, with Grafana's variables
# replaced by values.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v promtool >/dev/null || { echo "error: promtool not found (apt-get install prometheus)" >&2; exit 1; }
promtool check config configs/prometheus/prometheus.yml
promtool check rules configs/prometheus/rules/*.yml
promtool test rules configs/prometheus/tests/*.yml
dashboard_rules=$(mktemp --suffix=.yml)
trap 'rm -f "$dashboard_rules"' EXIT
python3 - configs/grafana/aitbc-chain.json >"$dashboard_rules" <<'PY'
import json, re, sys

dashboard = json.load(open(sys.argv[1]))
def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))
queries = [target["expr"] for panel in panels(dashboard["panels"]) for target in panel.get("targets", [])]
for variable in dashboard.get("templating", {}).get("list", []):
    match = re.fullmatch(r"label_values\((.*),\s*\w+\)", variable.get("definition", ""))
    if match:
        queries.append(match.group(1))
assert queries, "the dashboard has no queries"
print("groups:\n  - name: dashboard\n    rules:")
for index, query in enumerate(queries):
    query = query.replace("$__rate_interval", "1m").replace("$instance", ".*")
    print(f"      - record: dashboard_query_{index}\n        expr: {json.dumps(query)}")
PY
echo "Dashboard queries as rules:"
promtool check rules "$dashboard_rules"
echo "prometheus assets: config, rules, rule tests and dashboard OK"
