import { test, expect, codeFetched, standApart, waitForHydration } from "./fixtures";
import { childId, fillAllSections, fillChildSection, signInAsParent, startRegistration, uniqueSeq, uploadMissingDocuments } from "./parent";
import { withCollectionClosed } from "./staff";

/** Fills 儿童基本信息 from the registration's page and continues to the next section. */
async function completeChildSection(page: import("@playwright/test").Page, name: string) {
  await page.getByRole("link", { name: "儿童基本信息" }).click();
  await waitForHydration(page);
  await page.getByLabel("儿童姓名").fill(name);
  await page.getByLabel("民族").selectOption({ label: "汉族" });
  // Until the section is first saved, it offers the phone the parent signed in with.
  await expect(page.getByLabel("联系电话")).toHaveValue("13800000001");
  await page.getByRole("button", { name: "保存并继续" }).click();
}

test.describe("a parent's registration", () => {
  test("twins from one account: fill every section, check, submit, and the answers are locked", async ({ page }, testInfo) => {
    const twin1 = childId("20200315", uniqueSeq(testInfo.project.name, 0));
    const twin2 = childId("20200315", uniqueSeq(testInfo.project.name, 1));
    await signInAsParent(page, `twins-${testInfo.project.name}-${Date.now()}`);
    await page.getByRole("link", { name: "开始报名" }).click();
    await expect(page).toHaveURL(/\/registrations\/new$/);
    await startRegistration(page, twin1);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    await expect(page.getByText("已完成 0/4")).toBeVisible();
    // Until when, written as people write dates.
    await expect(page.locator('[data-field="window-closes"]')).toHaveText(/^请在 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 前填完并提交/);
    await expect(page.locator('[data-section="household"]')).toHaveAttribute("data-status", "cannot-start");

    await fillAllSections(page, "张子涵");
    // Typed by hand where the registers could have confirmed it: the documents are asked for,
    // and the check page says so until they are uploaded.
    await page.getByRole("link", { name: "信息确认并提交" }).click();
    await expect(page.locator("[data-missing-documents]")).toContainText("户口簿");
    await expect(page.getByRole("button", { name: "确认无误，提交" })).toHaveCount(0);
    await page.goBack();
    await uploadMissingDocuments(page);
    await page.getByRole("link", { name: "信息确认并提交" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "信息确认" })).toBeVisible();
    await expect(page.locator("[data-missing-documents]")).toHaveCount(0);
    await expect(page.getByText("张子涵")).toBeVisible();
    await expect(page.getByRole("link", { name: "修改" }).first()).toBeVisible();
    // An answer left out (an optional one) says so instead of showing nothing.
    await expect(page.locator('[data-section="guardian"] dt:text-is("监护人一工作单位") + dd')).toHaveText(/^未填写\s*修改$/);
    // ID numbers are shown with the birth date hidden, here as on every page but the one
    // they are typed on: no 18-character number anywhere on the screen.
    await expect(page.locator('[data-section="guardian"] dt:text-is("监护人一身份证号") + dd')).toHaveText(/^\d{6}\*{8}\d{3}[\dX]/);
    expect(await page.locator("main").innerText()).not.toMatch(/\d{17}[\dX]/);
    await waitForHydration(page);
    // Told before the press, beside it, that false answers cost the place (the seeds' FAQ).
    const submit = page.getByRole("button", { name: "确认无误，提交" });
    const warning = page.getByText("手工填写虚假信息的，将不予录取");
    await expect(warning).toBeVisible();
    expect((await warning.boundingBox())!.y).toBeLessThan((await submit.boundingBox())!.y);
    await submit.click();

    await expect(page.getByRole("heading", { level: 1, name: "报名信息已提交" })).toBeVisible();
    const reference = await page.locator("strong[data-field=reference]").textContent();
    expect(reference).toMatch(/^\d{4}E\d{8}$/);
    // Kept the way a phone in the host app can: a screenshot (it has no print menu).
    await expect(page.getByText("可截屏保存本页作为回执")).toBeVisible();
    await expect(page.getByText(/^提交时间 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/)).toBeVisible();
    // Its two buttons stand apart: side by side with a gap, or one under the other.
    expect(await standApart(page.getByRole("link", { name: "查看报名信息" }), page.getByRole("link", { name: "返回我的报名" }))).toBe(true);

    // Locked: the section opens read-only.
    const registrationUrl = page.url().replace(/\/submitted$/, "");
    await page.goto(`${registrationUrl}/sections/child`);
    await expect(page.getByText("此项目当前只能查看，不能修改。")).toBeVisible();
    await expect(page.getByLabel("儿童姓名")).toBeDisabled();

    // The second twin from the same account.
    await page.goto("/registrations");
    await page.getByRole("link", { name: "继续报名其他学生" }).click();
    await startRegistration(page, twin2);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    await page.goto("/registrations");
    await expect(page.locator("li[data-registration]")).toHaveCount(2);
    await expect(page.locator('li[data-state="submitted"]')).toHaveCount(1);
  });

  test("the father registers, the mother is told why she cannot, and succeeds once he deletes", async ({ browser, expectedFailures }, testInfo) => {
    expectedFailures.push("/api/create_registration");
    const child = childId("20200601", uniqueSeq(testInfo.project.name, 2));
    const stamp = `${testInfo.project.name}-${Date.now()}`;
    const fatherContext = await browser.newContext({ ...testInfo.project.use });
    const motherContext = await browser.newContext({ ...testInfo.project.use });
    const father = await fatherContext.newPage();
    const mother = await motherContext.newPage();

    await signInAsParent(father, `father-${stamp}`, "张伟");
    await startRegistration(father, child);
    await expect(father).toHaveURL(/\/registrations\/\d+$/);

    await signInAsParent(mother, `mother-${stamp}`, "李娜", "13900000002", "370202199008230424");
    await startRegistration(mother, child);
    await expect(mother.locator("#child-id-error")).toContainText("另一位家长");
    await expect(mother.getByRole("alert")).toContainText("删除");

    await waitForHydration(father);
    // The delete button lines up with the button below it.
    const deleteBox = await father.getByRole("button", { name: "删除报名" }).boundingBox();
    const backBox = await father.getByRole("link", { name: "返回我的报名" }).boundingBox();
    expect(Math.abs(deleteBox!.x - backBox!.x)).toBeLessThan(1);
    await father.getByRole("button", { name: "删除报名" }).click();
    await father.getByRole("button", { name: "确定删除" }).click();
    await expect(father).toHaveURL(/\/registrations$/);
    await expect(father.locator("li[data-registration]")).toHaveCount(0);

    await mother.getByRole("button", { name: "开始填写" }).click();
    await expect(mother).toHaveURL(/\/registrations\/\d+$/);
    await fatherContext.close();
    await motherContext.close();
  });

  test("a crowded server: the parent is told calmly that the answers are kept, and they are saved when it answers", async ({ page, expectedFailures }, testInfo) => {
    expectedFailures.push("/api/save_section");
    const child = childId("20190905", uniqueSeq(testInfo.project.name, 40));
    await signInAsParent(page, `crowd-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const sectionUrl = `${page.url()}/sections/child`;
    await page.goto(sectionUrl);
    await waitForHydration(page);

    // The server's gate refuses the first two saves as it does when its queue is full
    // (status, Retry-After and body as server/src/layers.rs sends them; the gate itself is
    // tested against the real server in server/tests/api/opening_day.rs).
    let refused = 0;
    await page.route("**/api/save_section", async (route) => {
      if (refused < 2) {
        refused += 1;
        await route.fulfill({
          status: 503,
          headers: { "retry-after": "3", "content-type": "application/json" },
          body: JSON.stringify({ Unavailable: { request_id: null } }),
        });
      } else {
        await route.continue();
      }
    });
    await page.getByLabel("儿童姓名").fill("高峰期");
    // Read out from the status line, and shown again beside the buttons at the bottom of
    // the screen, where the parent's eyes are after pressing one.
    await expect(page.getByRole("status").filter({ hasText: "报名的人很多，您的填写已暂存在本机，稍后自动保存" })).toBeVisible();
    await expect(page.locator(".action-bar [data-save-notice=busy]")).toBeInViewport();
    await expect(page.getByLabel("儿童姓名")).toHaveValue("高峰期");
    // Nobody taps anything: the page tries again, later each time, and is saved.
    await expect(page.getByText(/^已保存 \d{2}:\d{2}$/)).toBeVisible({ timeout: 20_000 });
    expect(refused).toBe(2);

    // The server holds it: another page load shows it.
    await page.unroute("**/api/save_section");
    await page.goto(sectionUrl);
    await waitForHydration(page);
    await expect(page.getByLabel("儿童姓名")).toHaveValue("高峰期");
  });

  test("the new-registration form and a section form opened on their own load their interactive parts only, and save as the parent types", async ({ page }, testInfo) => {
    const child = childId("20190907", uniqueSeq(testInfo.project.name, 60));
    await signInAsParent(page, `islands-${testInfo.project.name}-${Date.now()}`);
    const wasm = codeFetched(page, /\.wasm$/);
    // The new-registration form works from its page's islands bundle (its choices depend on
    // each other), and starting opens the task list, which loads none.
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    await expect(page.getByRole("heading", { level: 1, name: "报名信息" })).toBeVisible();
    expect(wasm, "wasm fetched").toEqual([expect.stringMatching(/^\/pkg\/[^/]+\/islands\/new-registration\/ruxue_bg\.wasm$/)]);
    const sectionUrl = `${page.url()}/sections/child`;

    // Opened directly (a link from the host app, a reload): the page comes from the server
    // and only the form's own code is fetched: neither the whole application's nor the other
    // pages' islands.
    wasm.length = 0;
    await page.goto(sectionUrl);
    await waitForHydration(page);
    expect(wasm, "wasm fetched").toEqual([expect.stringMatching(/^\/pkg\/[^/]+\/islands\/section-form\/ruxue_bg\.wasm$/)]);

    // Interactive: an answer is saved and said so, a wrong one is explained where it is.
    await page.getByLabel("儿童姓名").fill("岛屿");
    await expect(page.getByText(/^已保存 \d{2}:\d{2}$/)).toBeVisible();
    await page.getByLabel("联系电话").fill("12345");
    await page.getByLabel("联系电话").blur();
    await expect(page.locator('[data-field="contact_phone"] .field-error')).toHaveText("联系电话：手机号码应为 11 位，您填写了 5 位。");
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel("儿童姓名")).toHaveValue("岛屿");

    // The documents page too: its pickers come with its own islands bundle.
    wasm.length = 0;
    await page.goto(sectionUrl.replace(/\/sections\/child$/, "/documents"));
    await waitForHydration(page);
    await expect(page.getByText("拍照或从相册选择").first()).toBeVisible();
    expect(wasm, "wasm fetched").toEqual([expect.stringMatching(/^\/pkg\/[^/]+\/islands\/documents\/ruxue_bg\.wasm$/)]);
  });

  test("on a small phone the steps fit the screen, and a slow save says so beside them", async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width: 360, height: 640 });
    await signInAsParent(page, `steps-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, childId("20190901", uniqueSeq(testInfo.project.name, 31)));
    await fillChildSection(page, "周小安");
    await waitForHydration(page);
    const bar = page.locator(".action-bar");
    const previous = bar.getByRole("button", { name: "上一步" });
    const main = bar.getByRole("button", { name: "保存并继续" });
    const list = bar.getByRole("button", { name: "返回列表" });
    // In Chinese the three share one line, inside the screen, the bar one button high.
    const [p, m, l, b] = await Promise.all([previous, main, list, bar].map(async (x) => (await x.boundingBox())!));
    expect(Math.abs(p.y - m.y)).toBeLessThan(2);
    expect(Math.abs(l.y - m.y)).toBeLessThan(2);
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(l.x + l.width).toBeLessThanOrEqual(360);
    expect(b.height).toBeLessThan(80);

    // The line is slow: the first save waits seven seconds. Pressed with the page scrolled
    // up, the parent still sees at once what is happening, beside the button pressed.
    let held = false;
    await page.route("**/api/save_section", async (route) => {
      if (!held) {
        held = true;
        await new Promise((done) => setTimeout(done, 7_000));
      }
      await route.continue();
    });
    await page.getByRole("radio", { name: "否" }).check();
    await page.getByLabel("户籍地址").fill("市南区香港中路 10 号");
    await page.getByLabel("户主姓名").fill("周平");
    await page.getByLabel("户主与儿童关系").selectOption({ label: "父亲" });
    await page.evaluate(() => window.scrollTo(0, 0));
    await main.click();
    await expect(page.getByRole("status").filter({ hasText: "正在保存…" })).toBeAttached();
    const status = bar.locator("[data-save-notice]");
    await expect(status).toHaveText(/网络较慢，仍在保存。您的填写已暂存在本机/, { timeout: 8_000 });
    const said = (await status.boundingBox())!;
    expect(said.y).toBeGreaterThanOrEqual(0);
    expect(said.y + said.height).toBeLessThanOrEqual(640);
    // The save goes through when the line does, and the page moves on.
    await expect(page.getByRole("heading", { level: 1, name: "居住信息" })).toBeVisible({ timeout: 15_000 });
    await page.unroute("**/api/save_section");

    // In English the labels are longer: the two ways back side by side, and the main
    // action across the screen under them; nothing outside the screen.
    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Residence" })).toBeVisible();
    const back = bar.getByRole("button", { name: "Previous" });
    const save = bar.getByRole("button", { name: "Save and continue" });
    const toList = bar.getByRole("button", { name: "Back to list" });
    const [e, s, t] = await Promise.all([back, save, toList].map(async (x) => (await x.boundingBox())!));
    expect(Math.abs(e.y - t.y)).toBeLessThan(2);
    expect(s.y).toBeGreaterThan(e.y + e.height - 1);
    expect(s.width).toBeGreaterThan(300);
    expect(t.x + t.width).toBeLessThanOrEqual(360);
  });

  test("typing survives closing the page, on this phone and on another device", async ({ browser, page, expectedFailures }, testInfo) => {
    expectedFailures.push("/api/save_section");
    const child = childId("20190901", uniqueSeq(testInfo.project.name, 3));
    const subject = `drafts-${testInfo.project.name}-${Date.now()}`;
    await signInAsParent(page, subject);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const sectionUrl = `${page.url()}/sections/child`;
    await page.goto(sectionUrl);
    await waitForHydration(page);

    // Typed while the network is gone, then the page is closed: the phone kept it.
    const context = page.context();
    await context.setOffline(true);
    await page.getByLabel("儿童姓名").fill("王小明");
    await expect(page.locator("[data-save-state=offline]")).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "网络中断，已暂存在本机" })).toBeVisible();
    await expect(page.locator(".action-bar").getByText("网络中断，已暂存在本机")).toBeInViewport();
    await page.close();
    await context.setOffline(false);

    const again = await context.newPage();
    await again.goto(sectionUrl);
    await waitForHydration(again);
    // The phone kept it and offers it back. (The send made as the page closed can outlive
    // the page and reach the server once the network is back, as a real phone's can: then
    // the page opens with the answer and has nothing to offer.)
    const offer = again.locator("[data-local-draft]");
    const fromServer = again.locator('input[value="王小明"]');
    await expect(offer.or(fromServer)).toBeVisible();
    if (await offer.isVisible()) {
      await again.getByRole("button", { name: "恢复本机修改" }).click();
      await expect(again.locator("[data-save-state=saved]")).toBeVisible();
    }
    await expect(again.getByLabel("儿童姓名")).toHaveValue("王小明");
    await expect(offer).toHaveCount(0);

    // Typed and closed at once (before the two-second autosave): leaving the page saves it.
    await again.getByLabel("联系电话").fill("13700001111");
    await again.close();

    // Another device: the server has everything.
    const other = await browser.newContext({ ...testInfo.project.use });
    const device = await other.newPage();
    await signInAsParent(device, subject);
    await device.goto(sectionUrl);
    await expect(device.getByLabel("儿童姓名")).toHaveValue("王小明");
    await expect(device.getByLabel("联系电话")).toHaveValue("13700001111");
    await other.close();
  });

  test("two tabs changing different answers of one section keep both", async ({ page }, testInfo) => {
    const child = childId("20191001", uniqueSeq(testInfo.project.name, 4));
    await signInAsParent(page, `tabs-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const sectionUrl = `${page.url()}/sections/child`;
    await page.goto(sectionUrl);
    await waitForHydration(page);
    const second = await page.context().newPage();
    await second.goto(sectionUrl);
    await waitForHydration(second);

    await page.getByLabel("儿童姓名").fill("张一");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();

    // The other tab read the section before that save, and changes another answer.
    await second.getByLabel("联系电话").fill("13912345678");
    await expect(second.locator("[data-save-state=saved]")).toBeVisible();
    await expect(second.locator("[data-conflict]")).toHaveCount(0);
    // The first tab's change is now shown there too.
    await expect(second.getByLabel("儿童姓名")).toHaveValue("张一");

    await page.reload();
    await expect(page.getByLabel("儿童姓名")).toHaveValue("张一");
    await expect(page.getByLabel("联系电话")).toHaveValue("13912345678");
  });

  test("two tabs changing the same answer: both shown with their label, the parent keeps theirs in one tap", async ({ page }, testInfo) => {
    const child = childId("20191004", uniqueSeq(testInfo.project.name, 7));
    await signInAsParent(page, `same-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const sectionUrl = `${page.url()}/sections/child`;
    await page.goto(sectionUrl);
    await waitForHydration(page);
    const second = await page.context().newPage();
    await second.goto(sectionUrl);
    await waitForHydration(second);

    await page.getByLabel("儿童姓名").fill("张一");
    await page.getByLabel("联系电话").fill("13800000001");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();

    await second.getByLabel("儿童姓名").fill("张二");
    const conflict = second.locator("[data-conflict]");
    await expect(conflict).toBeVisible();
    // Side by side, by the question's label, never its key.
    const row = conflict.locator("tr", { hasText: "儿童姓名" });
    await expect(row).toContainText("张二");
    await expect(row).toContainText("张一");
    await expect(conflict).not.toContainText("contact_phone");
    await expect(conflict).not.toContainText("name");
    // Nothing typed is dropped while the parent decides.
    await expect(second.getByLabel("儿童姓名")).toHaveValue("张二");

    await second.getByRole("button", { name: "保留本页填写" }).click();
    await expect(conflict).toHaveCount(0);
    await expect(second.locator("[data-save-state=saved]")).toBeVisible();
    // The other tab's change to another answer is kept.
    await expect(second.getByLabel("联系电话")).toHaveValue("13800000001");

    await page.reload();
    await expect(page.getByLabel("儿童姓名")).toHaveValue("张二");
    await expect(page.getByLabel("联系电话")).toHaveValue("13800000001");
  });

  test("two tabs on two sections never refuse each other", async ({ page }, testInfo) => {
    const child = childId("20191005", uniqueSeq(testInfo.project.name, 8));
    await signInAsParent(page, `twosections-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await completeChildSection(page, "孙小满");
    await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    const second = await page.context().newPage();
    await second.goto(`${overview}/sections/household`);
    await waitForHydration(second);
    await page.goto(`${overview}/sections/child`);
    await waitForHydration(page);

    await page.getByLabel("儿童姓名").fill("孙小曼");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();
    await second.getByLabel("户籍地址").fill("市南区江西路 3 号");
    await expect(second.locator("[data-save-state=saved]")).toBeVisible();
    await expect(second.locator("[data-conflict]")).toHaveCount(0);
    await expect(second.getByText("其他页面")).toHaveCount(0);

    await page.goto(`${overview}/sections/household`);
    await expect(page.getByLabel("户籍地址")).toHaveValue("市南区江西路 3 号");
    await second.goto(`${overview}/sections/child`);
    await expect(second.getByLabel("儿童姓名")).toHaveValue("孙小曼");
  });

  test("back then forward at once: the edit made just before is kept and shown", async ({ page }, testInfo) => {
    const child = childId("20191102", uniqueSeq(testInfo.project.name, 5));
    await signInAsParent(page, `back-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await completeChildSection(page, "赵小雨");
    await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    await waitForHydration(page);
    await page.getByLabel("户籍地址").fill("市南区江西路 1 号");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();

    // Typed, then back and forward again within the two seconds before an autosave.
    await page.getByLabel("户籍地址").fill("市南区江西路 2 号");
    await page.goBack();
    await expect(page.getByRole("heading", { level: 1, name: "儿童基本信息" })).toBeVisible();
    await page.goForward();
    await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    await expect(page.getByLabel("户籍地址")).toHaveValue("市南区江西路 2 号");

    // The next edit there saves, with no conflict.
    await page.getByLabel("户主姓名").fill("赵大山");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();
    await expect(page.locator("[data-conflict]")).toHaveCount(0);

    // What the server holds, as a fresh load shows it.
    await page.goto(`${overview}/sections/household`);
    await expect(page.getByLabel("户籍地址")).toHaveValue("市南区江西路 2 号");
    await expect(page.getByLabel("户主姓名")).toHaveValue("赵大山");
  });

  test("back then wait: the earlier section saves without a word of conflict", async ({ page }, testInfo) => {
    const child = childId("20191106", uniqueSeq(testInfo.project.name, 9));
    await signInAsParent(page, `backwait-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await completeChildSection(page, "钱小雨");
    await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    await waitForHydration(page);
    await page.getByLabel("户籍地址").fill("市南区江西路 5 号");
    await page.goBack();
    await expect(page.getByRole("heading", { level: 1, name: "儿童基本信息" })).toBeVisible();
    await page.waitForTimeout(2500);
    await page.getByLabel("儿童姓名").fill("钱小宇");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();
    await expect(page.locator("[data-conflict]")).toHaveCount(0);
    await expect(page.getByText("其他页面")).toHaveCount(0);

    await page.goto(`${overview}/sections/household`);
    await expect(page.getByLabel("户籍地址")).toHaveValue("市南区江西路 5 号");
    await page.goto(`${overview}/sections/child`);
    await expect(page.getByLabel("儿童姓名")).toHaveValue("钱小宇");
  });

  test("when the collection window closes, the registration is read-only", async ({ page, browser }, testInfo) => {
    const child = childId("20191103", uniqueSeq(testInfo.project.name, 6));
    await signInAsParent(page, `closed-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, child);
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await waitForHydration(page);
    await page.getByLabel("儿童姓名").fill("钱多多");
    await expect(page.locator("[data-save-state=saved]")).toBeVisible();

    await withCollectionClosed(browser, "enrollment", async () => {
      await page.reload();
      await expect(page.locator("[data-read-only]")).toBeVisible();
      await expect(page.getByLabel("儿童姓名")).toHaveValue("钱多多");
      await expect(page.getByLabel("儿童姓名")).toBeDisabled();
      await page.goto(overview);
      await expect(page.getByText("已完成 0/4")).toBeVisible();
      await expect(page.getByRole("button", { name: "删除报名" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "信息确认并提交" })).toHaveCount(0);
    });
  });
});
