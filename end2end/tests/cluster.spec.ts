import { test, expect, waitForHydration } from "./fixtures";
import { childId, fillAllSections, signInAsParent, startRegistration, uploadMissingDocuments } from "./parent";

// Run by `make test-cluster` only (RUXUE_E2E_BASE_URL: nginx in front of three app servers),
// while scripts/test-cluster.sh restarts the app servers one by one: the parent notices
// nothing — every page opens, every answer is saved, the registration is submitted.
test("a parent fills in and submits through nginx while the app servers restart one by one", async ({ page }) => {
  test.setTimeout(120_000);
  const child = childId("20200701", Date.now() % 900);
  await signInAsParent(page, `cluster-journey-${Date.now()}`);
  await startRegistration(page, child);
  await expect(page).toHaveURL(/\/registrations\/\d+$/);
  await expect(page.getByText("已完成 0/4")).toBeVisible();
  await fillAllSections(page, "张子涵");
  await uploadMissingDocuments(page);
  await page.getByRole("link", { name: "信息确认并提交" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "信息确认" })).toBeVisible();
  await expect(page.getByText("张子涵")).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "确认无误，提交" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "报名信息已提交" })).toBeVisible();
  await expect(page.locator("strong[data-field=reference]")).toHaveText(/^\d{4}E\d{8}$/);
  // Whichever server answers now shows the same, submitted registration.
  await page.goto("/registrations");
  await expect(page.locator('li[data-state="submitted"]')).toHaveCount(1);
});
