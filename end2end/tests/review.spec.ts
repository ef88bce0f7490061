import { Locator, Page, TestInfo, devices } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";
import { childId, makeJpeg, signInAsParent, startRegistration, submitRegistration, uniqueSeq } from "./parent";
import { staffPage } from "./staff";

/** Opens the queue, finds the registration by the child's name and opens it. */
async function openFromQueue(page: Page, childName: string, filter = "") {
  await page.goto(`/review?q=${encodeURIComponent(childName)}${filter}`);
  await waitForHydration(page);
  const row = page.locator("tr[data-queue-row]").filter({ hasText: childName });
  await expect(row).toHaveCount(1);
  await row.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(childName);
  await waitForHydration(page);
}

/** The photo's on-screen box, once it is loaded and any transition has settled. */
async function settledBox(photo: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  let last = "";
  await expect
    .poll(async () => {
      const box = await photo.boundingBox();
      const now = JSON.stringify(box);
      const settled = box !== null && now === last;
      last = now;
      return settled;
    })
    .toBe(true);
  return (await photo.boundingBox())!;
}

/** The rotation (degrees, 0–359) and scale of the photo's computed CSS transform. */
async function transformOf(photo: Locator): Promise<{ angle: number; scale: number }> {
  return photo.evaluate((img: HTMLImageElement) => {
    const m = new DOMMatrixReadOnly(getComputedStyle(img).transform);
    const angle = Math.round((Math.atan2(m.b, m.a) * 180) / Math.PI + 360) % 360;
    return { angle, scale: Math.round(Math.hypot(m.a, m.b) * 100) / 100 };
  });
}

/**
 * The document viewer as a reviewer sees it: two photos (the household register's and the
 * property certificate's), next/previous by button and by key, zoom and rotation that
 * change the photo on screen (not merely an attribute).
 */
async function walkTheViewer(reviewer: Page) {
  const viewer = reviewer.locator(".viewer-stage");
  const counter = viewer.locator("[data-viewer-position]");
  const caption = viewer.locator(".viewer-caption");
  const photo = viewer.locator("img[data-viewer-photo]");
  await expect(photo).toBeVisible();
  await expect(counter).toHaveText("1/2");
  await expect(caption).toContainText("户口簿");
  await expect(viewer.getByRole("button", { name: "上一张" })).toBeDisabled();
  const firstSrc = (await photo.getAttribute("src"))!;
  const fitted = await settledBox(photo);
  expect((await transformOf(photo)).scale).toBe(1);

  // Zoom in: the photo is drawn larger, by its transform.
  await viewer.getByRole("button", { name: "放大" }).click();
  const zoomed = await settledBox(photo);
  expect(zoomed.width).toBeGreaterThan(fitted.width * 1.15);
  expect(zoomed.height).toBeGreaterThan(fitted.height * 1.15);
  expect((await transformOf(photo)).scale).toBe(1.25);
  // "-" zooms back out while the viewer has focus.
  await reviewer.keyboard.press("-");
  expect(Math.abs((await settledBox(photo)).width - fitted.width)).toBeLessThan(2);

  // Next, by the → key: the second document's photo, upright and fitted again.
  await viewer.focus();
  await reviewer.keyboard.press("ArrowRight");
  await expect(counter).toHaveText("2/2");
  await expect(caption).toContainText("不动产权证书");
  await expect(photo).not.toHaveAttribute("src", firstSrc);
  await expect(viewer.getByRole("button", { name: "下一张" })).toBeDisabled();
  const upright = await settledBox(photo);
  expect(upright.width).toBeGreaterThan(upright.height);

  // Rotate: a quarter turn, so the photo on screen is now taller than wide.
  await viewer.getByRole("button", { name: "旋转" }).click();
  const turned = await settledBox(photo);
  expect((await transformOf(photo)).angle).toBe(90);
  expect(turned.height).toBeGreaterThan(turned.width);
  // R turns it again (half a turn): wide again.
  await reviewer.keyboard.press("r");
  const halfTurned = await settledBox(photo);
  expect((await transformOf(photo)).angle).toBe(180);
  expect(halfTurned.width).toBeGreaterThan(halfTurned.height);
  // Zoomed while turned, it still grows.
  await reviewer.keyboard.press("+");
  const both = await settledBox(photo);
  expect(both.width).toBeGreaterThan(halfTurned.width * 1.15);
  expect(await transformOf(photo)).toEqual({ angle: 180, scale: 1.25 });

  // ← goes back to the first photo, fitted and upright.
  await reviewer.keyboard.press("ArrowLeft");
  await expect(counter).toHaveText("1/2");
  await expect(photo).toHaveAttribute("src", firstSrc);
  await settledBox(photo);
  expect(await transformOf(photo)).toEqual({ angle: 0, scale: 1 });
}

function childNameFor(testInfo: TestInfo): string {
  return testInfo.project.name === "phone" ? "周审手" : "周审桌";
}

test.describe("review, from submission to the second review", () => {
  test("the school asks for a better photo, the parent replaces it and resubmits, both reviews pass", async ({ page, browser }, testInfo) => {
    // Five people and a dozen pages: longer than one page's journey.
    test.setTimeout(150_000);
    const childName = childNameFor(testInfo);
    const child = childId("20200720", uniqueSeq(testInfo.project.name, 20));

    // The parent submits on their own device.
    await signInAsParent(page, `review-${testInfo.project.name}-${Date.now()}`);
    const registrationUrl = await submitRegistration(page, child, childName);

    // The school's reviewer, on a desktop, asks for the household register again.
    const reviewer = await staffPage(browser, "reviewer.sn1");
    await reviewer.getByRole("link", { name: "进入报名审核（初审）" }).click();
    await expect(reviewer.getByRole("heading", { level: 1, name: "报名审核" })).toBeVisible();
    await openFromQueue(reviewer, childName);
    await expect(reviewer.locator('[data-field="name"] .answer-value')).toHaveText(childName);
    await expect(reviewer.locator('[data-field="name"]')).toContainText("手工填写");
    // On every row the tag reads with its value: right after it, not adrift mid-row.
    for (const row of await reviewer.locator(".answer-hand").all()) {
      const value = (await row.locator(".answer-value").boundingBox())!;
      const tag = (await row.getByText("手工填写").boundingBox())!;
      expect(tag.x - (value.x + value.width)).toBeLessThan(16);
    }
    await walkTheViewer(reviewer);
    // A request started and cancelled leaves nothing behind: what it ticked and wrote is not
    // sent with the next one, where the reviewer can no longer see it.
    await reviewer.getByRole("button", { name: "退回修改" }).click();
    await reviewer.locator(".change-group").filter({ hasText: "监护人信息" }).getByLabel("监护人一姓名").check();
    await reviewer.getByLabel("给家长的说明").fill("请改姓名。");
    await reviewer.getByRole("alertdialog").getByRole("button", { name: "取消" }).click();
    await expect(reviewer.getByRole("alertdialog")).toHaveCount(0);
    await reviewer.getByRole("button", { name: "退回修改" }).click();
    await reviewer.locator(".change-items").getByLabel("户口簿", { exact: false }).check();
    await reviewer.locator(".change-group").filter({ hasText: "监护人信息" }).getByLabel("监护人一手机号").check();
    await reviewer.getByLabel("给家长的说明").fill("户口簿照片反光看不清，请重新拍摄户主页。");
    await reviewer.locator('[data-confirm="request_changes"]').click();
    await expect(reviewer.locator('[data-field="state"]')).toHaveText("学校要求修改");

    // The parent sees the request, replaces the photo and sends the changes.
    await page.goto(registrationUrl);
    await waitForHydration(page);
    const request = page.locator("[data-change-request]");
    await expect(request).toContainText("户口簿照片反光看不清");
    await expect(request).not.toContainText("监护人一姓名");
    await expect(request).not.toContainText("请改姓名");
    await expect(page.locator('[data-event="changes_requested"]')).toBeVisible();
    await request.getByRole("link", { name: /户口簿/ }).click();
    await waitForHydration(page);
    const card = page.locator('article[data-document="household-register"]');
    const photo = await makeJpeg(page, 1600, 1200);
    const before = await card.locator("li[data-photo]").first().getAttribute("data-photo");
    await card.locator("input[type=file]").first().setInputFiles({ name: "retake.jpg", mimeType: "image/jpeg", buffer: photo });
    await expect(card.locator("li[data-photo]").first()).not.toHaveAttribute("data-photo", before!);
    await expect(card.locator("li[data-photo]")).toHaveCount(1);
    // Documents the school did not name stay as they are.
    await expect(page.locator('article[data-document="property-certificate"] input[type=file]')).toHaveCount(0);
    // The answer the school named can be changed, and only that one of its section.
    await page.goto(registrationUrl);
    await waitForHydration(page);
    await page.locator("[data-change-request]").getByRole("link", { name: /监护人一手机号/ }).click();
    await waitForHydration(page);
    await expect(page.getByRole("heading", { level: 1, name: "监护人信息" })).toBeVisible();
    const phone = page.getByLabel("监护人一手机号");
    await expect(phone).toBeEditable();
    await expect(page.getByLabel("监护人一姓名")).toBeDisabled();
    await expect(page.getByLabel("监护人一姓名")).toHaveValue("张伟");
    // An empty answer the school did not name looks as closed as a filled one: grey, not
    // the white of the field that can be changed.
    const employer = page.getByLabel("监护人一工作单位");
    await expect(employer).toBeDisabled();
    const background = (field: typeof phone) => field.evaluate((input) => getComputedStyle(input).backgroundColor);
    expect(await background(employer)).not.toBe(await background(phone));
    expect(await background(employer)).toBe(await background(page.getByLabel("监护人一姓名")));
    await phone.fill("13800000009");
    await page.getByRole("button", { name: "返回列表" }).click();
    await expect(page.locator("[data-change-request]")).toBeVisible();
    await waitForHydration(page);
    await page.getByRole("button", { name: "提交修改" }).click();
    await page.getByRole("button", { name: "确定提交修改" }).click();
    await expect(page.locator('[data-field="state"]')).toHaveText("已提交修改，等待审核");
    await expect(page.locator("[data-change-request]")).toHaveCount(0);

    // Back in the reviewer's queue, marked resubmitted; the first review passes.
    await openFromQueue(reviewer, childName, "&resubmitted=1");
    await expect(reviewer.locator('[data-field="g1_phone"] .answer-value')).toHaveText("13800000009");
    await reviewer.getByRole("button", { name: "初审通过" }).click();
    await reviewer.locator('[data-confirm="pass"]').click();
    await expect(reviewer.locator('[data-field="state"]')).toHaveText("初审通过，等待复审");

    // The bureau's second review.
    const admin = await staffPage(browser, "admin");
    await admin.getByRole("link", { name: "进入复审" }).click();
    await openFromQueue(admin, childName);
    await admin.getByRole("button", { name: "复审通过" }).click();
    await admin.locator('[data-confirm="pass"]').click();
    await expect(admin.locator('[data-field="state"]')).toHaveText("审核通过（不等于录取）");

    // The parent's timeline: each step with its date; passing is not an admission.
    await page.goto(registrationUrl);
    await expect(page.locator('[data-field="state"]')).toHaveText("审核通过（不等于录取）");
    await expect(page.locator("[data-timeline] li")).toHaveCount(5);
    await expect(page.locator('[data-event="second_passed"]')).toContainText("不等于录取");
    // Each date as people write it (2026年7月1日 08:00), not as a database does.
    for (const when of await page.locator("[data-timeline] li time").allTextContents()) {
      expect(when).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    }

    // The parent lets the child's mother follow; she confirms on her own phone.
    const motherId = childId("19900823", uniqueSeq(testInfo.project.name, 21));
    const family = page.locator("[data-followers-panel]");
    await waitForHydration(page);
    await family.getByLabel("监护人姓名").fill("李娜");
    await family.getByLabel("监护人身份证号").fill(motherId);
    await family.getByRole("button", { name: "邀请查看" }).click();
    await expect(family.locator("li[data-follower]")).toContainText("李娜");
    await expect(family.locator("li[data-follower]")).toContainText("等待对方确认");
    const motherPhone = await browser.newContext({ ...devices["Pixel 7"], locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const mother = await motherPhone.newPage();
    await signInAsParent(mother, `mother-${testInfo.project.name}-${Date.now()}`, "李娜", "13900000002", motherId);
    await waitForHydration(mother);
    const masked = `${childName[0]}*${childName[2]}`;
    const invitation = mother.locator("li[data-invitation]").filter({ hasText: masked });
    await expect(invitation).toContainText("邀请您作为另一位监护人查看");
    await invitation.getByRole("button", { name: "确认查看" }).click();
    await expect(mother.locator("[data-following-list] li.card").filter({ hasText: childName })).toBeVisible();

    // The bureau admits and publishes the school's results now.
    await admin.goto("/admissions");
    await waitForHydration(admin);
    const candidate = admin.locator("tr[data-candidate]").filter({ hasText: childName });
    await expect(admin.locator(".queue-count")).toContainText(/招生计划 \d+ 人 · 审核通过 \d+ 人/);
    await candidate.getByLabel("录取", { exact: true }).check();
    // A choice on screen, not saved, holds the publication back: what is saved is published.
    await expect(admin.locator("[data-unsaved]")).toContainText("还没有保存");
    await expect(admin.getByRole("button", { name: "安排公布" })).toBeDisabled();
    await admin.getByRole("button", { name: "保存录取决定" }).click();
    await expect(admin.locator("[data-saved]")).toContainText("已保存");
    await expect(admin.locator("[data-unsaved]")).toHaveCount(0);
    // Other candidates of the school (from other journeys) may still be undecided: admit them all.
    await admin.getByRole("button", { name: "全部选为录取" }).click();
    await admin.getByRole("button", { name: "保存录取决定" }).click();
    await expect(admin.locator("[data-saved]")).toBeVisible();
    await expect(admin.locator("[data-unsaved]")).toHaveCount(0);
    // Scheduled for later, it can be taken back until it is made; the decisions stay.
    await admin.locator("#publish-at").fill("2099-07-01T09:00");
    await admin.getByRole("button", { name: "安排公布" }).click();
    await expect(admin.locator("[data-publish-summary]")).toContainText("公布时间 2099年7月1日 09:00");
    await admin.locator('[data-confirm="publish"]').click();
    await expect(admin.locator('[data-published="false"]')).toHaveText("将于 2099年7月1日 09:00 公布");
    await admin.getByRole("button", { name: "取消公布安排" }).click();
    await expect(admin.locator("[data-published]")).toHaveCount(0);
    await expect(candidate.getByLabel("录取", { exact: true })).toBeChecked();
    await admin.locator("#publish-at").fill("");
    await admin.getByRole("button", { name: "安排公布" }).click();
    // The dialog says what goes out: every candidate waiting (all admitted), against the places.
    const waiting = await admin.locator("tr[data-candidate]").filter({ has: admin.getByLabel("录取", { exact: true }) }).count();
    await expect(admin.locator("[data-publish-summary]")).toHaveText(new RegExp(`^将立即公布：录取 ${waiting} 人，不录取 0 人（招生计划 \\d+ 人）。$`));
    await admin.locator('[data-confirm="publish"]').click();
    await expect(admin.locator("tr[data-candidate]").filter({ hasText: childName })).toContainText("已录取");

    // The parent sees the admission, on the timeline and in their messages.
    await page.goto(registrationUrl);
    await expect(page.locator('[data-field="state"]')).toHaveText("已录取");
    await expect(page.locator('[data-event="admitted"]')).toBeVisible();
    await page.goto("/registrations");
    await expect(page.locator("[data-messages]")).toContainText("录取结果");

    // The mother sees the result too, and the answers, and nothing she could change.
    await mother.goto("/registrations");
    await expect(mother.locator("[data-messages]")).toContainText("录取结果");
    await mother.locator("[data-following-list] li.card").filter({ hasText: childName }).getByRole("link", { name: "查看" }).click();
    await waitForHydration(mother);
    await expect(mother.locator('[data-field="state"]')).toHaveText("已录取");
    await expect(mother.locator("[data-following]")).toContainText("只能查看");
    await expect(mother.locator('[data-event="admitted"]')).toBeVisible();
    await expect(mother.locator('section.answers[data-section="child"]')).toContainText(childName);
    await expect(mother.getByRole("button", { name: "删除报名" })).toHaveCount(0);
    await expect(mother.locator("[data-followers-panel]")).toHaveCount(0);
    await expect(mother.locator(".change-link")).toHaveCount(0);
    await motherPhone.close();

    // The school's list downloads as a real workbook.
    await reviewer.goto("/review?filter=all");
    await waitForHydration(reviewer);
    const download = reviewer.waitForEvent("download");
    await reviewer.getByRole("link", { name: "导出 Excel" }).click();
    const file = await (await download).path();
    const fs = await import("node:fs");
    const bytes = fs.readFileSync(file!);
    expect(bytes.subarray(0, 2).toString()).toBe("PK");
    expect(bytes.includes(Buffer.from("xl/worksheets/sheet1.xml"))).toBe(true);

    await reviewer.context().close();
    await admin.context().close();
  });
});

test.describe("review, a page at a time", () => {
  test("a reviewer selects the filtered page's registrations with one box and passes them at once", async ({ page, browser }, testInfo) => {
    test.skip(testInfo.project.name === "phone", "reviewers work on desktops");
    test.setTimeout(150_000);
    await signInAsParent(page, `bulk-${Date.now()}`);
    const names = ["钱批甲", "钱批乙"];
    for (const [i, name] of names.entries()) {
      await submitRegistration(page, childId("20200309", uniqueSeq(testInfo.project.name, 56 + i)), name);
    }

    const reviewer = await staffPage(browser, "reviewer.sn1");
    await reviewer.goto(`/review?q=${encodeURIComponent("钱批")}`);
    await waitForHydration(reviewer);
    const rows = reviewer.locator("tr[data-queue-row]");
    await expect(rows).toHaveCount(2);
    // Submission times are written as people write them.
    await expect(rows.first().locator("time")).toHaveText(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    // The submitted column's header orders the list, oldest first; pressed again, newest
    // first, the search kept; and back.
    const submittedHeader = () => reviewer.getByRole("columnheader", { name: /提交时间/ });
    await expect(submittedHeader()).toHaveText("提交时间 ↑");
    await expect(rows.first()).toContainText("钱批甲");
    await submittedHeader().getByRole("link").click();
    await expect(submittedHeader()).toHaveText("提交时间 ↓");
    await expect(rows.first()).toContainText("钱批乙");
    await expect(rows).toHaveCount(2);
    await submittedHeader().getByRole("link").click();
    await expect(submittedHeader()).toHaveText("提交时间 ↑");
    await expect(rows.first()).toContainText("钱批甲");

    // A row opens with the list's search kept: "next" is the next of this list, and "back"
    // returns to it, not to the whole school's.
    await rows.filter({ hasText: "钱批甲" }).getByRole("link").click();
    await expect(reviewer.getByRole("heading", { level: 1 })).toContainText("钱批甲");
    await reviewer.getByRole("link", { name: "下一条待审核 →" }).click();
    await expect(reviewer.getByRole("heading", { level: 1 })).toContainText("钱批乙");
    await reviewer.getByRole("link", { name: "← 返回审核列表" }).click();
    await expect(rows).toHaveCount(2);
    await expect(reviewer.getByLabel("搜索姓名或报名编号")).toHaveValue("钱批");
    await waitForHydration(reviewer);

    // One box selects every row of the page; the button says how many.
    const all = reviewer.getByRole("checkbox", { name: "选择本页全部可审核的报名" });
    await all.check();
    for (const name of names) {
      await expect(rows.filter({ hasText: name }).getByRole("checkbox")).toBeChecked();
    }
    const pass = reviewer.getByRole("button", { name: "批量初审通过（2 条）" });
    await expect(pass).toBeVisible();
    // Unticked again, nothing is selected and the button goes.
    await all.uncheck();
    await expect(pass).toHaveCount(0);
    await all.check();

    await pass.click();
    const dialog = reviewer.getByRole("alertdialog");
    await expect(dialog).toContainText("确定将选中的 2 条报名初审通过吗？");
    await dialog.getByRole("button", { name: "确定" }).click();
    await expect(reviewer.getByRole("status").filter({ hasText: "已处理 2 条。" })).toBeVisible();
    // Passed, they leave the waiting list.
    await expect(rows).toHaveCount(0);
    await expect(reviewer.getByText("没有符合条件的报名。")).toBeVisible();
    // The result goes once the reviewer turns to other rows: it would no longer describe them.
    await reviewer.getByRole("link", { name: "清除筛选" }).click();
    await expect(reviewer).toHaveURL(/\/review$/);
    await expect(reviewer.locator("[data-total]")).toBeVisible();
    await expect(reviewer.getByRole("status").filter({ hasText: "已处理 2 条。" })).toHaveCount(0);
    await reviewer.goto(`/review?filter=all&q=${encodeURIComponent("钱批")}`);
    await expect(rows.filter({ hasText: "初审通过" })).toHaveCount(2);
    await reviewer.context().close();
  });
});

test.describe("review, not passed", () => {
  test("the school does not pass a registration: the parent reads why, deletes it and registers the child again", async ({ page, browser }, testInfo) => {
    test.setTimeout(150_000);
    const child = childId("20200311", uniqueSeq(testInfo.project.name, 63));
    const childName = `孙错校${testInfo.project.name === "phone" ? "甲" : "乙"}`;
    await signInAsParent(page, `rejected-${testInfo.project.name}-${Date.now()}`);
    const registrationUrl = await submitRegistration(page, child, childName);

    // The school's reviewer does not pass it: the address is outside its catchment.
    const reviewer = await staffPage(browser, "reviewer.sn1");
    await openFromQueue(reviewer, childName);
    await reviewer.getByRole("button", { name: "审核不通过" }).click();
    const dialog = reviewer.getByRole("alertdialog");
    await expect(dialog).toContainText("家长将看到所选原因和说明");
    await dialog.getByLabel("原因").selectOption({ label: "住址不在本校招生范围内" });
    await reviewer.locator('[data-confirm="reject"]').click();
    await expect(reviewer.locator('[data-field="state"]')).toHaveText("审核未通过");
    await reviewer.context().close();

    // The parent reads the result and the reason, and what they can do about it.
    await page.goto(registrationUrl);
    await waitForHydration(page);
    await expect(page.locator('[data-field="state"]')).toHaveText("审核未通过");
    await expect(page.locator('[data-event="rejected"]')).toContainText("原因：住址不在本校招生范围内");
    await expect(page.getByText("可以删除这条报名，按原因重新报名")).toBeVisible();

    // Deleted (asked once), the child's ID number is free: registered again at once.
    await page.getByRole("button", { name: "删除报名" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "确定删除这条报名吗？" })).toBeVisible();
    await page.getByRole("button", { name: "确定删除" }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    await expect(page.locator("li[data-registration]").filter({ hasText: childName })).toHaveCount(0);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    expect(page.url()).not.toBe(registrationUrl);
    await expect(page.getByText("已完成 0/4")).toBeVisible();
  });
});
