import { spawnSync } from "node:child_process";
import path from "node:path";
import { test, expect, waitForHydration } from "../tests/fixtures";
import { childId, openFromHostApp, startRegistration } from "../tests/parent";

// Lighthouse on the pages a parent uses, against the release build: a parent signed in
// through the simulated host app with a registration started; Lighthouse runs in its own
// Chromium with the parent's cookie (bench/lighthouse.mjs).
test("lighthouse on the parent's pages", async ({ page, baseURL }) => {
  test.setTimeout(900_000);
  const subject = `lighthouse-${Date.now()}`;
  // The host app's landing: a new person checks their details there first.
  await page.goto("/dev/host-app");
  await openFromHostApp(page, subject);
  await expect(page).toHaveURL(/\/me$/);
  const landing = page.url();
  await waitForHydration(page);
  await page.getByRole("button", { name: "信息无误，继续" }).click();
  await page.getByRole("link", { name: "进入我的报名" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "我的报名" })).toBeVisible();
  await startRegistration(page, childId("20200304", 900 + (Date.now() % 90)));
  await expect(page).toHaveURL(/\/registrations\/\d+$/);
  const registration = page.url();
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const pages = [
    ["home", `${baseURL}/`],
    ["host-app landing", landing],
    ["my registrations", `${baseURL}/registrations`],
    ["section form", `${registration}/sections/child`],
    ["documents", `${registration}/documents`],
    ["check page", `${registration}/confirm`],
  ];
  const run = spawnSync("node", [path.join(__dirname, "lighthouse.mjs")], {
    input: JSON.stringify({ pages, cookie }),
    encoding: "utf8",
    timeout: 840_000,
  });
  console.log(run.stdout);
  expect(run.status, run.stderr).toBe(0);
});
