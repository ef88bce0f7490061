import base from "./playwright.config";
import { defineConfig } from "@playwright/test";

// `make bench`: measurements printed, not tests; one phone, the release build.
export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: "**/*.bench.ts",
  reporter: [["list"]],
  timeout: 120_000,
  projects: (base.projects ?? []).filter((p) => p.name === "phone"),
});
