import { test, expect, waitForHydration } from "./fixtures";
import { childId, fillChildSection, fillHouseholdSection, signInAsParent, startRegistration, uniqueSeq } from "./parent";
import { withCollectionClosed } from "./staff";

test.describe("choosing on a phone", () => {
  test("a yes/no question fits a 360 px phone: each radio with its text beside it, each row a thumb's target", async ({ page }, testInfo) => {
    const child = childId("20191207", uniqueSeq(testInfo.project.name, 30));
    await signInAsParent(page, `choices-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    // The household section, with its yes/no question, follows the child's.
    await fillChildSection(page, "孙小禾");
    await waitForHydration(page);

    const question = page.getByRole("group", { name: "是否集体户" });
    for (const width of [360, 412]) {
      await page.setViewportSize({ width, height: 780 });
      await question.scrollIntoViewIfNeeded();
      const rows = question.locator("label.choice");
      await expect(rows).toHaveCount(2);
      for (const row of await rows.all()) {
        const radio = (await row.locator('input[type="radio"]').boundingBox())!;
        const text = (await row.locator("span").first().boundingBox())!;
        const box = (await row.boundingBox())!;
        const label = await row.innerText();
        // The radio keeps about its natural size (not stretched across the row).
        expect(radio.width, `${label} at ${width}px: radio width`).toBeGreaterThan(14);
        expect(radio.width, `${label} at ${width}px: radio width`).toBeLessThan(32);
        // Its text lies beside it, to the right, on the same line, inside the screen.
        expect(text.x, `${label} at ${width}px: text right of its radio`).toBeGreaterThanOrEqual(radio.x + radio.width);
        const middle = radio.y + radio.height / 2;
        expect(middle, `${label} at ${width}px: radio on the text's line`).toBeGreaterThan(text.y);
        expect(middle, `${label} at ${width}px: radio on the text's line`).toBeLessThan(text.y + text.height);
        expect(text.x).toBeGreaterThanOrEqual(0);
        expect(text.x + text.width, `${label} at ${width}px: text inside the screen`).toBeLessThanOrEqual(width);
        // The whole row is the touch target: at least 44 px tall, inside the screen.
        expect(box.height, `${label} at ${width}px: row height`).toBeGreaterThanOrEqual(44);
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, `${label} at ${width}px: row inside the screen`).toBeLessThanOrEqual(width);
      }
      // Nothing sticks out of the question sideways.
      expect(await question.evaluate((fieldset) => fieldset.scrollWidth <= fieldset.clientWidth)).toBe(true);
    }

    // Tapping the row's text chooses it.
    await question.locator("label.choice").filter({ hasText: "否" }).locator("span").first().click();
    await expect(question.getByRole("radio", { name: "否" })).toBeChecked();
  });

  test("a question that depends on an earlier answer is worded for the answer given now", async ({ page }, testInfo) => {
    const child = childId("20191207", uniqueSeq(testInfo.project.name, 31));
    await signInAsParent(page, `choices-wording-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await fillChildSection(page, "孙小禾");
    await fillHouseholdSection(page);

    // Own property: the owner is the certificate's.
    await page.getByRole("radio", { name: "自有房产" }).check();
    await expect(page.getByText("产权人姓名", { exact: true })).toBeVisible();
    await expect(page.getByText("产权人与儿童关系", { exact: true })).toBeVisible();
    // Living with relatives: the same answers, asked about the relative's home.
    await page.getByRole("radio", { name: "借住亲属房屋" }).check();
    await expect(page.getByText("房屋所有人姓名", { exact: true })).toBeVisible();
    await expect(page.getByText("所有人与儿童关系", { exact: true })).toBeVisible();
    await expect(page.getByText("产权人姓名", { exact: true })).toHaveCount(0);
    await expect(page.getByText("不动产权证号", { exact: true })).toHaveCount(0);
    await page.getByLabel("房屋所有人姓名").fill("孙立");
    await expect(page.getByLabel("房屋所有人姓名")).toHaveValue("孙立");
  });
});

test.describe("starting a registration outside the collection window", () => {
  test("with enrollment's collection closed, the page says it has ended and when, and chooses nothing", async ({ page, browser }, testInfo) => {
    await signInAsParent(page, `closed-new-${testInfo.project.name}-${Date.now()}`);
    await withCollectionClosed(browser, "enrollment", async (closedAt) => {
      // When it closed, in the bureau's clock, as the page writes it: 2026年7月1日 08:00.
      const [date, time] = closedAt.split("T");
      const [year, month, day] = date.split("-").map(Number);
      const ended = `${year}年${month}月${day}日 ${time}`;

      await page.goto("/registrations/new");
      await waitForHydration(page);
      // Which parent should register, before anything is chosen (Jinan Q2).
      await expect(page.locator("[data-who-registers]")).toContainText("建议由与孩子在同一户口的家长报名");
      await expect(page.locator("[data-who-registers]")).toBeInViewport();
      const enrollment = page.locator('label.choice[data-subsystem="enrollment"]');
      await expect(enrollment).toContainText("已结束");
      await expect(enrollment).toContainText(`信息采集已于 ${ended} 结束`);
      await expect(enrollment).not.toContainText("未开放");
      // Transfer stays open, and still is not chosen for the parent.
      await expect(page.locator('label.choice[data-subsystem="transfer"]')).toContainText("开放中");
      await expect(page.locator('input[type="radio"]:checked')).toHaveCount(0);
      await expect(page.getByRole("radio", { name: "转学申请" })).not.toBeChecked();
      await expect(page.getByRole("radio", { name: "小学一年级入学报名" })).not.toBeChecked();
      await expect(page.getByRole("button", { name: "开始填写" })).toBeDisabled();

      // Choosing enrollment says why nothing can be started.
      await page.getByRole("radio", { name: "小学一年级入学报名" }).check();
      await expect(page.locator('[data-closed-notice="enrollment"]')).toContainText(`已于 ${ended} 结束`);
      await expect(page.getByRole("button", { name: "开始填写" })).toBeDisabled();
    });
  });
});
