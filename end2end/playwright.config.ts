import { defineConfig, devices } from "@playwright/test";
import path from "node:path";

// The server binary and site built by `make build`; a fresh SQLite file with demo data.
const root = path.resolve(__dirname, "..");
const port = Number(process.env.RUXUE_E2E_PORT ?? 3107);
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, "target");
const serverBin = process.env.RUXUE_SERVER_BIN ?? path.join(targetDir, "debug", "server");
const databaseDir = path.join(root, "target", "e2e");

// Debian's Chromium; Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

// `make test-cluster` points the journeys at nginx in front of the cluster it started.
const clusterUrl = process.env.RUXUE_E2E_BASE_URL;

export default defineConfig({
  testDir: "./tests",
  // The cluster journey needs the cluster; the others a server of their own.
  testMatch: clusterUrl ? ["cluster.spec.ts"] : ["**/*.spec.ts"],
  testIgnore: clusterUrl ? [] : ["cluster.spec.ts"],
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Room for a slow machine: speed is measured by the benchmarks, never by a journey.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: clusterUrl ?? `http://127.0.0.1:${port}`,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    trace: "retain-on-failure",
    launchOptions: chromium,
  },
  projects: [
    {
      name: "phone",
      use: { ...devices["Pixel 7"], browserName: "chromium", launchOptions: chromium },
    },
    {
      name: "desktop",
      use: { ...devices["Desktop Chrome"], browserName: "chromium", launchOptions: chromium },
    },
  ],
  webServer: clusterUrl ? undefined : {
    command: `rm -rf "${databaseDir}" && mkdir -p "${databaseDir}" && exec "${serverBin}"`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      RUXUE_ADDR: `127.0.0.1:${port}`,
      RUXUE_DATABASE_URL: `sqlite://${databaseDir}/ruxue.db?mode=rwc`,
      RUXUE_DEMO_DATA: "true",
      RUXUE_DEMO_DRAW: "true",
      RUXUE_DEV_HOST_APP: "true",
      // A fixed key for the throw-away database of the journeys (never a real one).
      RUXUE_DATA_KEY: "index=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=,e2e=AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=",
      RUXUE_REGISTRY_DEMO: "true",
      RUXUE_REGISTRY_DEMO_LATENCY_MS: "300",
      RUXUE_STORAGE_OPTIONS: `root=${databaseDir}/documents`,
      LEPTOS_SITE_ROOT: path.join(root, "target", "site"),
      LEPTOS_OUTPUT_NAME: "ruxue",
      RUST_LOG: "warn",
    },
  },
});
