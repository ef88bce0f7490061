import { test, expect, waitForHydration } from "./fixtures";
import { childId, signInAsParent, startRegistration, uniqueSeq } from "./parent";

/** Sets the demo registry's latency (ms) and failure rate through its development controls. */
async function setRegistry(page: import("@playwright/test").Page, latencyMs: number, failureRate = 0) {
  const response = await page.request.post("/dev/registry", {
    form: { latency_ms: String(latencyMs), failure_rate: String(failureRate) },
  });
  expect(response.status()).toBe(200);
}

test.describe("prefill from government registries", () => {
  test("a parent whose data matches sees 自动回填 values, and corrects one that changed", async ({ page }, testInfo) => {
    // The twins the demo household register knows; one per browser project.
    const child = testInfo.project.name === "phone" ? "370202202003150526" : "370202202003150649";
    const name = testInfo.project.name === "phone" ? "张子涵" : "张子萱";
    await signInAsParent(page, `prefill-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await waitForHydration(page);

    // Asked before anything is looked up.
    const consent = page.locator("[data-registry-consent=ask]");
    await expect(consent).toBeVisible();
    await expect(consent).toContainText("公安户籍");
    await consent.getByRole("button", { name: "同意查询" }).click();

    await expect(page.locator("[data-lookup-state=found]")).toBeVisible();
    await expect(page.getByLabel("儿童姓名")).toHaveValue(name);
    await expect(page.getByLabel("儿童姓名")).toHaveAttribute("readonly", "");
    await expect(page.locator('[data-prefilled="name"]')).toHaveText("自动回填");
    await expect(page.getByLabel("民族")).toHaveValue("01");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();

    // The name changed since the register was taken: switch it to hand entry.
    await page.locator('[data-wrong="name"]').click();
    await expect(page.locator('[data-prefilled="name"]')).toHaveCount(0);
    await expect(page.locator('[data-correction="name"]')).toContainText("户口簿");
    await page.getByLabel("儿童姓名").fill(`${name}改`);
    await page.getByLabel("更正原因").selectOption({ label: "信息已变更（如改名、迁户），系统尚未更新" });
    await page.getByLabel("联系电话").fill("13800000001");
    await page.getByRole("button", { name: "保存并继续" }).click();

    // The next section comes prefilled too.
    await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    await expect(page.getByLabel("户籍地址")).toHaveValue("青岛市市南区香港中路 10 号");
    await expect(page.locator('[data-prefilled="address"]')).toBeVisible();
    await page.getByRole("button", { name: "返回列表" }).click();

    // The task list asks for the document that backs the corrected name.
    const needed = page.locator('[data-materials] [data-document="household-register"]');
    await expect(needed).toHaveAttribute("data-status", "missing");
    await expect(needed).toContainText("户口簿");
  });

  test("with the registry slowed past its timeout the page stays responsive and lets the parent type", async ({ page }, testInfo) => {
    const child = childId("20200101", uniqueSeq(testInfo.project.name, 20));
    await signInAsParent(page, `slow-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await waitForHydration(page);
    await setRegistry(page, 15000);
    try {
      await page.locator("[data-registry-consent=ask]").getByRole("button", { name: "同意查询" }).click();
      // Typing goes on while the register is asked.
      await page.getByLabel("儿童姓名").fill("李小雨");
      await expect(page.getByLabel("儿童姓名")).toHaveValue("李小雨");
      await expect(page.locator("[data-lookup-state=slow]")).toBeVisible({ timeout: 8000 });
      await expect(page.locator("[data-lookup-state=slow]")).toContainText("请先手动填写");
      await page.getByLabel("民族").selectOption({ label: "汉族" });
      await page.getByLabel("联系电话").fill("13800000001");
      await page.getByRole("button", { name: "保存并继续" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    } finally {
      await setRegistry(page, 300);
    }
  });
});
