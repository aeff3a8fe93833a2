// The alert rules and the Grafana dashboard in deploy/observability ask only for metrics the
// platform exports, by their real names, labels and types (a renamed metric or label would
// otherwise leave a panel empty and an alert silent). Prometheus's scrape config and Grafana's
// provisioning (deploy/observability/generated/, what compose mounts) are rendered from the
// manifest: every manifest service and Envoy are scrape targets, the alert rules are loaded, and
// the datasource is the one the dashboard's panels name.
import test from "ava";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { OBSERVABILITY_FILES, OBSERVABILITY_MOUNTS, renderObservabilityFiles, type ScrapeJob } from "@junction/tools/compose/observability";
import { parse } from "yaml";
import { metricsRegistry } from "@junction/platform";
import { repositoryRoot } from "../packages/platform/test/support/tools.js";
import { junction, serviceNames } from "./support/junction.js";

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

const generated = (path: string) => readFileSync(join(repositoryRoot, path), "utf8");

test("the generated observability files are what rendering produces, and marked so", (t) => {
  for (const [path, content] of Object.entries(renderObservabilityFiles(junction))) {
    t.is(generated(path), content, `${path} is stale or hand-edited: run \`npm run render\``);
    t.true(content.startsWith("# GENERATED FILE: do not edit by hand."), path);
  }
});

test("Prometheus scrapes every manifest service's /metrics at its port and Envoy's admin stats, and loads the alert rules", (t) => {
  const config = parse(generated(OBSERVABILITY_FILES.prometheusConfig)) as { rule_files: string[]; scrape_configs: ScrapeJob[] };
  const jobs = new Map(config.scrape_configs.map((job) => [job.job_name, job]));
  for (const name of serviceNames) {
    const job = jobs.get(name);
    t.deepEqual(job?.static_configs, [{ targets: [`${name}:${junction.manifest.service(name).port}`] }], `${name} is scraped where compose runs it`);
    t.is(job?.metrics_path ?? "/metrics", "/metrics");
  }
  t.like(jobs.get("envoy"), { metrics_path: "/stats/prometheus", static_configs: [{ targets: [`envoy:${junction.manifest.edge.adminPort}`] }] });
  // rule_files resolve against the config's folder: the rules are mounted next to it.
  t.deepEqual(config.rule_files, [basename(OBSERVABILITY_MOUNTS.alerts)]);
  t.is(join(OBSERVABILITY_MOUNTS.prometheusConfig, "..", config.rule_files[0]!), OBSERVABILITY_MOUNTS.alerts);
});

test("Grafana's datasource is the Prometheus of compose, under the uid every panel names; its dashboards come from the mounted folder", (t) => {
  const { datasources } = parse(generated(OBSERVABILITY_FILES.grafanaDatasources)) as { datasources: Array<{ uid: string; type: string; url: string }> };
  t.is(datasources.length, 1);
  t.like(datasources[0], { type: "prometheus", url: "http://prometheus:9090" });
  for (const panel of dashboard.panels as Array<{ title: string; datasource?: { uid?: string } }>) t.is(panel.datasource?.uid, datasources[0]!.uid, panel.title);
  const { providers } = parse(generated(OBSERVABILITY_FILES.grafanaDashboards)) as { providers: Array<{ options: { path: string } }> };
  t.is(join(providers[0]!.options.path, basename(OBSERVABILITY_MOUNTS.dashboard)), OBSERVABILITY_MOUNTS.dashboard);
});

test("promtool accepts the scrape config and the alert rules", (t) => {
  // npm run setup puts promtool in var/tools/bin (from Debian's prometheus package).
  t.is(spawnSync("promtool", ["--version"], { stdio: "ignore" }).status, 0, "promtool is not on PATH: run npm run setup and put var/tools/bin on PATH");
  // Laid out as in the container: the rules next to the config.
  const folder = mkdtempSync(join(tmpdir(), "junction-prometheus-"));
  copyFileSync(join(repositoryRoot, OBSERVABILITY_FILES.prometheusConfig), join(folder, basename(OBSERVABILITY_MOUNTS.prometheusConfig)));
  copyFileSync(join(repositoryRoot, OBSERVABILITY_FILES.alerts), join(folder, basename(OBSERVABILITY_MOUNTS.alerts)));
  const checked = spawnSync("promtool", ["check", "config", join(folder, basename(OBSERVABILITY_MOUNTS.prometheusConfig))], { encoding: "utf8" });
  t.is(checked.status, 0, checked.stdout + checked.stderr);
});
