// The alert rules and the Grafana dashboard in deploy/observability ask only for metrics the
// platform exports, by their real names, labels and types (a renamed metric or label would
// otherwise leave a panel empty and an alert silent).
import test from "ava";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { metricsRegistry } from "@junction/platform";
import { repositoryRoot } from "../packages/platform/test/support/tools.js";

const file = (name: string) => readFileSync(`${repositoryRoot}/deploy/observability/${name}`, "utf8");
const alerts = parse(file("alerts.yml")) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
const dashboard = JSON.parse(file("grafana-dashboard.json")) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };

const exported = new Map(metricsRegistry.getMetricsAsArray().map((m) => [m.name, m]));
const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

/** The problems of one PromQL expression: metrics that do not exist, labels they do not have. */
async function problems(expr: string): Promise<string[]> {
  const found: string[] = [];
  for (const [, name, selector] of expr.matchAll(/\b(junction_[a-z_]+)(\{[^}]*\})?/g)) {
    const base = exported.has(name!) ? name! : name!.replace(HISTOGRAM_SERIES, "");
    const metric = exported.get(base);
    if (!metric) {
      found.push(`${name} is not exported`);
      continue;
    }
    const { labelNames = [] } = metric as unknown as { labelNames?: string[] };
    for (const [, label] of (selector ?? "").matchAll(/(\w+)\s*[!=]~?/g)) if (!labelNames.includes(label!)) found.push(`${name} has no label ${label}`);
  }
  // Labels an aggregation keeps must exist on its metric (job is the scrape target's).
  for (const [, labels] of expr.matchAll(/by \(([^)]*)\)/g)) {
    const names = [...expr.matchAll(/\b(junction_[a-z_]+)/g)].map((m) => m[1]!.replace(HISTOGRAM_SERIES, ""));
    for (const label of labels!.split(",").map((l) => l.trim())) {
      if (label === "job" || label === "le") continue;
      for (const name of names) {
        const { labelNames = [] } = (exported.get(name) ?? exported.get(`${name}`)) as unknown as { labelNames?: string[] };
        if (exported.has(name) && !labelNames.includes(label)) found.push(`${name} has no label ${label}`);
      }
    }
  }
  return found;
}

test("every alert and every dashboard panel asks for exported metrics and their labels", async (t) => {
  const exprs = [
    ...alerts.groups.flatMap((g) => g.rules.map((r) => [`alert ${r.alert}`, r.expr] as const)),
    ...dashboard.panels.flatMap((p) => p.targets.map((target) => [`panel ${p.title}`, target.expr] as const)),
  ];
  t.true(exprs.length >= 15);
  for (const [where, expr] of exprs) t.deepEqual(await problems(expr), [], `${where}: ${expr}`);
  t.deepEqual(alerts.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort(), ["CircuitBreakerOpen", "ConsumerLagging", "ConsumerPaused", "EventsDeadLettered", "OutboxLagging"]);
});
