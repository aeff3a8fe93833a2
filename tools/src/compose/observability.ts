// Prometheus and Grafana in the rendered compose file. The scrape config is rendered from the
// manifest (every service's /metrics on its port, Envoy's admin /stats/prometheus) with
// deploy/observability/alerts.yml as its rule file; Grafana is provisioned with that Prometheus
// as its datasource (the uid deploy/observability/grafana-dashboard.json asks for) and with the
// dashboard. The rendered files live in deploy/observability/generated/, never edited by hand.
// NATS has no Prometheus endpoint of its own (its monitoring port serves JSON); the consumers'
// lag and pending counts come from the services' metrics.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Document } from "yaml";
import { repositoryRoot, type Junction } from "../junction.js";

/** Where the hand-written and the generated observability files are, from the repository root. */
export const OBSERVABILITY_FILES = {
  alerts: "deploy/observability/alerts.yml",
  dashboard: "deploy/observability/grafana-dashboard.json",
  prometheusConfig: "deploy/observability/generated/prometheus.yml",
  grafanaDatasources: "deploy/observability/generated/grafana-datasources.yml",
  grafanaDashboards: "deploy/observability/generated/grafana-dashboards.yml",
} as const;

/** Paths inside the Prometheus and Grafana containers. */
export const OBSERVABILITY_MOUNTS = {
  prometheusConfig: "/etc/prometheus/prometheus.yml",
  // Next to the config: rule_files resolve against the config's folder, in the container and for promtool.
  alerts: "/etc/prometheus/alerts.yml",
  grafanaDatasources: "/etc/grafana/provisioning/datasources/junction.yml",
  grafanaDashboards: "/etc/grafana/provisioning/dashboards/junction.yml",
  dashboardFolder: "/etc/grafana/dashboards",
  dashboard: "/etc/grafana/dashboards/junction.json",
} as const;

// Pinned release lines, like the other images compose runs (never :latest).
const PROMETHEUS_IMAGE = "prom/prometheus:v3.5.0";
const GRAFANA_IMAGE = "grafana/grafana:12.1.0";
const PROMETHEUS_PORT = 9090;
const GRAFANA_PORT = 3000;

const header = (from: string) =>
  ["GENERATED FILE: do not edit by hand. Rendered by `npm run render` (tools/src/compose/observability.ts)", `from ${from}; CI fails when it is not exactly what rendering produces.`].map((line) => ` ${line}`).join("\n");

function yamlFile(content: unknown, from: string): string {
  const document = new Document(content, { aliasDuplicateObjects: false });
  document.commentBefore = header(from);
  return document.toString({ lineWidth: 0, nullStr: "" });
}

/** A Prometheus scrape job: one target, named after what it scrapes. */
export interface ScrapeJob {
  job_name: string;
  metrics_path?: string;
  static_configs: Array<{ targets: string[] }>;
}

/** The scrape jobs of the compose deployment: each manifest service, Envoy's admin, Prometheus itself. */
export function scrapeJobs(junction: Junction): ScrapeJob[] {
  const { manifest } = junction;
  return [
    ...manifest.services.map((service) => ({ job_name: service.name, static_configs: [{ targets: [`${service.name}:${service.port}`] }] })),
    { job_name: "envoy", metrics_path: "/stats/prometheus", static_configs: [{ targets: [`envoy:${manifest.edge.adminPort}`] }] },
    { job_name: "prometheus", static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
  ];
}

/** The datasource uid the dashboard's panels ask for (one for all of them). */
export function dashboardDatasourceUid(): string {
  const dashboard = JSON.parse(readFileSync(`${repositoryRoot}${OBSERVABILITY_FILES.dashboard}`, "utf8")) as { panels: Array<{ datasource?: { uid?: string } }> };
  const uids = new Set(dashboard.panels.map((panel) => panel.datasource?.uid));
  const [uid] = uids;
  if (uids.size !== 1 || !uid) throw new Error(`${OBSERVABILITY_FILES.dashboard}: every panel must name the one Prometheus datasource uid (found ${[...uids].join(", ")})`);
  return uid;
}

/** The generated observability files, by path from the repository root. */
export function renderObservabilityFiles(junction: Junction): Record<string, string> {
  const prometheus = {
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    rule_files: [basename(OBSERVABILITY_MOUNTS.alerts)],
    scrape_configs: scrapeJobs(junction),
  };
  const datasources = {
    apiVersion: 1,
    datasources: [{ name: "Prometheus", uid: dashboardDatasourceUid(), type: "prometheus", access: "proxy", url: `http://prometheus:${PROMETHEUS_PORT}`, isDefault: true, editable: false }],
  };
  const dashboards = {
    apiVersion: 1,
    providers: [{ name: "junction", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: OBSERVABILITY_MOUNTS.dashboardFolder } }],
  };
  return {
    [OBSERVABILITY_FILES.prometheusConfig]: yamlFile(prometheus, "manifest.yaml"),
    [OBSERVABILITY_FILES.grafanaDatasources]: yamlFile(datasources, `the datasource uid of ${OBSERVABILITY_FILES.dashboard}`),
    [OBSERVABILITY_FILES.grafanaDashboards]: yamlFile(dashboards, "the compose layout"),
  };
}

/** The compose services for Prometheus and Grafana, each published on 127.0.0.1 only. */
export function observabilityContainers(): Record<string, unknown> {
  const mount = (file: string, at: string) => `./${file}:${at}:ro`;
  return {
    prometheus: {
      image: PROMETHEUS_IMAGE,
      command: [`--config.file=${OBSERVABILITY_MOUNTS.prometheusConfig}`, "--storage.tsdb.path=/prometheus"],
      volumes: [mount(OBSERVABILITY_FILES.prometheusConfig, OBSERVABILITY_MOUNTS.prometheusConfig), mount(OBSERVABILITY_FILES.alerts, OBSERVABILITY_MOUNTS.alerts), "prometheus-data:/prometheus"],
      ports: [`127.0.0.1:${PROMETHEUS_PORT}:${PROMETHEUS_PORT}`],
      healthcheck: { test: ["CMD", "wget", "-q", "-O-", `http://localhost:${PROMETHEUS_PORT}/-/ready`], interval: "5s", retries: 10 },
    },
    grafana: {
      image: GRAFANA_IMAGE,
      // Anyone who can reach 127.0.0.1:3000 may look; changing anything takes Grafana's admin login.
      environment: { GF_AUTH_ANONYMOUS_ENABLED: "true", GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer", GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: OBSERVABILITY_MOUNTS.dashboard },
      volumes: [
        mount(OBSERVABILITY_FILES.grafanaDatasources, OBSERVABILITY_MOUNTS.grafanaDatasources),
        mount(OBSERVABILITY_FILES.grafanaDashboards, OBSERVABILITY_MOUNTS.grafanaDashboards),
        mount(OBSERVABILITY_FILES.dashboard, OBSERVABILITY_MOUNTS.dashboard),
        "grafana-data:/var/lib/grafana",
      ],
      ports: [`127.0.0.1:${GRAFANA_PORT}:${GRAFANA_PORT}`],
      depends_on: { prometheus: { condition: "service_healthy" } },
    },
  };
}

/** The named volumes Prometheus and Grafana keep their data in. */
export const OBSERVABILITY_VOLUMES = ["prometheus-data", "grafana-data"];
