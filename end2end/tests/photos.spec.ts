import { test, expect, waitForHydration } from "./fixtures";
import { childId, makeJpeg, signInAsParent, startRegistration, uniqueSeq } from "./parent";
import type { Page } from "@playwright/test";

/** A registration whose child section was typed by hand: it needs the household register. */
async function registrationNeedingHouseholdRegister(page: Page, seq: number, projectName: string) {
  const child = childId("20200202", uniqueSeq(projectName, seq));
  await signInAsParent(page, `photos-${projectName}-${seq}-${Date.now()}`);
  await startRegistration(page, child);
  await page.getByRole("link", { name: "儿童基本信息" }).click();
  await waitForHydration(page);
  await page.locator("[data-registry-consent=ask]").getByRole("button", { name: "不同意，我手动填写" }).click();
  await page.getByLabel("儿童姓名").fill("孙小满");
  await page.getByLabel("民族").selectOption({ label: "汉族" });
  await page.getByLabel("联系电话").fill("13800000001");
  await page.getByRole("button", { name: "保存并继续" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
  await page.getByRole("button", { name: "返回列表" }).click();
  await page.getByRole("link", { name: "上传证明材料" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "证明材料" })).toBeVisible();
  await waitForHydration(page);
  await expect(page.locator('article[data-document="household-register"]')).toHaveAttribute("data-status", "missing");
  // The way back sits clear of the last document's card, not against its edge.
  const lastCard = await page.locator("article.document").last().boundingBox();
  const back = await page.getByRole("link", { name: "返回报名信息" }).boundingBox();
  expect(back!.y - (lastCard!.y + lastCard!.height)).toBeGreaterThanOrEqual(12);
  // A card's name starts at its padding, with no empty band above it.
  const heading = await page.locator("article.document").last().getByRole("heading", { level: 2 }).boundingBox();
  expect(heading!.y - lastCard!.y).toBeLessThanOrEqual(20);
}

test.describe("document photos", () => {
  test("a 12-megapixel photo arrives under 5 MB, upright, with a progress bar", async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await registrationNeedingHouseholdRegister(page, 30, testInfo.project.name);
    const photo = await makeJpeg(page, 4000, 3000, 0.95);
    expect(photo.length).toBeGreaterThan(1_000_000);

    // A slow uplink, so that the progress can be seen.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 50,
      downloadThroughput: 4 * 1024 * 1024,
      uploadThroughput: 512 * 1024,
    });
    await page.locator('[data-upload="household-register"]').last().setInputFiles({ name: "IMG_20261123_080102.jpg", mimeType: "image/jpeg", buffer: photo });
    await expect(page.locator("li.upload progress")).toBeVisible({ timeout: 20_000 });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    const card = page.locator('article[data-document="household-register"]');
    await expect(card).toHaveAttribute("data-status", "uploaded", { timeout: 30_000 });
    const size = card.locator("[data-photo-size]").first();
    await expect(size).toHaveAttribute("data-photo-size", "2560x1920");
    const label = (await size.textContent()) ?? "";
    const megabytes = Number(/([\d.]+) MB/.exec(label)?.[1]);
    expect(megabytes).toBeLessThan(5);
    await expect(card.locator("img").first()).toHaveJSProperty("complete", true);
    expect(await card.locator("img").first().evaluate((img: HTMLImageElement) => img.naturalWidth > img.naturalHeight)).toBe(true);
  });

  test("a thumbnail-sized photo is refused with the reason, before any upload", async ({ page }, testInfo) => {
    await registrationNeedingHouseholdRegister(page, 31, testInfo.project.name);
    const small = await makeJpeg(page, 600, 400);
    let uploads = 0;
    let codecFetched = false;
    page.on("request", (request) => {
      if (request.url().includes("/documents/household-register")) uploads += 1;
      if (request.url().includes("photo_codec")) codecFetched = true;
    });
    await page.locator('[data-upload="household-register"]').last().setInputFiles({ name: "wx_thumb.jpg", mimeType: "image/jpeg", buffer: small });
    await expect(page.getByRole("alert").filter({ hasText: "缩略图" })).toBeVisible();
    await expect(page.getByRole("alert").filter({ hasText: "600×400" })).toBeVisible();
    expect(uploads).toBe(0);
    expect(codecFetched, "the fallback is not loaded when the browser decodes itself").toBe(false);
    await expect(page.locator('article[data-document="household-register"]')).toHaveAttribute("data-status", "missing");
  });

  test("an interrupted upload is retried and arrives", async ({ page, expectedFailures }, testInfo) => {
    expectedFailures.push("/documents/household-register");
    await registrationNeedingHouseholdRegister(page, 32, testInfo.project.name);
    let attempts = 0;
    await page.route("**/api/registrations/*/documents/household-register", async (route) => {
      attempts += 1;
      if (attempts === 1) {
        await route.abort("connectionreset");
      } else {
        await route.continue();
      }
    });
    const photo = await makeJpeg(page, 1600, 1200);
    await page.locator('[data-upload="household-register"]').last().setInputFiles({ name: "photo.jpg", mimeType: "image/jpeg", buffer: photo });
    await expect(page.locator('article[data-document="household-register"]')).toHaveAttribute("data-status", "uploaded", { timeout: 20_000 });
    expect(attempts).toBe(2);
  });

  test("where the browser cannot decode a photo, the wasm fallback compresses it", async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await registrationNeedingHouseholdRegister(page, 33, testInfo.project.name);
    await page.evaluate(() => localStorage.setItem("ruxue:photo-path", "wasm"));
    let codecFetched = false;
    page.on("request", (request) => {
      if (request.url().endsWith("/pkg/photo-codec/photo_codec_bg.wasm")) codecFetched = true;
    });
    const photo = await makeJpeg(page, 4000, 3000, 0.95);
    await page.locator('[data-upload="household-register"]').last().setInputFiles({ name: "IMG_0002.jpg", mimeType: "image/jpeg", buffer: photo });
    const card = page.locator('article[data-document="household-register"]');
    await expect(card).toHaveAttribute("data-status", "uploaded", { timeout: 60_000 });
    await expect(card.locator("[data-photo-size]").first()).toHaveAttribute("data-photo-size", "2560x1920");
    expect(codecFetched).toBe(true);
    await page.evaluate(() => localStorage.removeItem("ruxue:photo-path"));
  });
});
