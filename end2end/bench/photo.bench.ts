import { test, expect, waitForHydration } from "../tests/fixtures";
import { childId, makeJpeg, signInAsParent, startRegistration } from "../tests/parent";

// Compressing a 12-megapixel photo on the phone with the browser's own decoder and encoder,
// as the documents page does it: time and output size, printed.
test("compress a 12 MP photo (browser path and wasm fallback)", async ({ page }) => {
  await signInAsParent(page, `bench-${Date.now()}`);
  await startRegistration(page, childId("20200303", 900 + (Date.now() % 90)));
  await page.getByRole("link", { name: "儿童基本信息" }).click();
  await waitForHydration(page);
  await page.locator("[data-registry-consent=ask]").getByRole("button", { name: "不同意，我手动填写" }).click();
  await page.getByLabel("儿童姓名").fill("钱小满");
  await page.getByLabel("民族").selectOption({ label: "汉族" });
  await page.getByLabel("联系电话").fill("13800000001");
  await page.getByRole("button", { name: "保存并继续" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
  await page.goto(page.url().replace(/\/sections\/household$/, "/documents"));
  await waitForHydration(page);
  const runs: string[] = [];
  for (const path of ["browser", "wasm"]) {
  await page.evaluate((p) => (p === "wasm" ? localStorage.setItem("ruxue:photo-path", "wasm") : localStorage.removeItem("ruxue:photo-path")), path);
  for (let run = 1; run <= 2; run++) {
    const photo = await makeJpeg(page, 4000, 3000, 0.95);
    // The upload's row goes once the photo is stored (at once against a release server):
    // its figures are caught as the page writes them, not read afterwards.
    const measured = page.evaluate(
      () =>
        new Promise<[string, string]>((resolve) => {
          const observer = new MutationObserver(() => {
            const row = Array.from(document.querySelectorAll("li.upload")).pop();
            const ms = row?.getAttribute("data-compress-ms");
            if (row && ms && ms !== "0") {
              observer.disconnect();
              resolve([ms, row.getAttribute("data-sent-bytes") ?? "0"]);
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-compress-ms", "data-sent-bytes"] });
        }),
    );
    await page.locator('[data-upload="household-register"]').last().setInputFiles({ name: `IMG_${run}.jpg`, mimeType: "image/jpeg", buffer: photo });
    const [ms, sent] = await measured;
    const bytes = Number(sent);
    runs.push(`${path} path, run ${run}: ${(photo.length / 1048576).toFixed(1)} MB in -> ${ms} ms, ${(bytes / 1048576).toFixed(2)} MB out (2560x1920 JPEG)`);
    await expect(page.locator('article[data-document="household-register"]')).toHaveAttribute("data-status", "uploaded", { timeout: 60_000 });
  }
  }
  await page.evaluate(() => localStorage.removeItem("ruxue:photo-path"));
  console.log(["photo compression, headless Chromium, 12 MP (4000x3000):", ...runs, "end"].join("\n  "));
});
