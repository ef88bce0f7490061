import { test, expect, waitForHydration } from "./fixtures";
import { childId, fillChildSection, signInAsParent, startRegistration, uniqueSeq } from "./parent";
import { staffPage, withCollectionClosed } from "./staff";

// Children of the demo household register and the mother it names, one per project.
const families = {
  phone: { child: "370202202004220047", mother: "周敏", motherId: "370202198905210023" },
  desktop: { child: "370203202006180030", mother: "陈静", motherId: "370203198707070046" },
};

test("a mother the household register names takes back a child a stranger registered", async ({ browser, expectedFailures }, testInfo) => {
  expectedFailures.push("/api/create_registration");
  const family = families[testInfo.project.name as keyof typeof families];
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const strangerContext = await browser.newContext({ ...testInfo.project.use });
  const motherContext = await browser.newContext({ ...testInfo.project.use });
  const stranger = await strangerContext.newPage();
  const mother = await motherContext.newPage();

  // Someone else registers the child first.
  await signInAsParent(stranger, `stranger-${stamp}`, "张伟");
  await startRegistration(stranger, family.child);
  await expect(stranger).toHaveURL(/\/registrations\/\d+$/);

  // The mother is told it is taken, and offered the way forward.
  await signInAsParent(mother, `claim-mother-${stamp}`, family.mother, "13900000003", family.motherId);
  await startRegistration(mother, family.child);
  await expect(mother.locator("#child-id-error")).toContainText("已有一条报名记录");
  // The message says to contact the bureau if this does not help: the number is a tap away.
  await mother.getByRole("alert").getByRole("link", { name: "查看教体局咨询电话" }).click();
  await expect(mother).toHaveURL(/\/#help-line$/);
  const helpLine = mother.locator("footer").getByText("咨询电话：");
  await expect(helpLine).toBeInViewport();
  await expect(helpLine).toContainText(/\d{4}-\d{4} \d{4}/);
  await mother.goBack();
  await startRegistration(mother, family.child);
  await expect(mother.locator("#child-id-error")).toContainText("已有一条报名记录");
  const offer = mother.locator("[data-child-claim]");
  await expect(offer).toBeVisible();
  await expect(offer).toContainText("我是孩子的父亲或母亲");
  await offer.getByRole("button", { name: "同意查询户籍登记，核验后报名" }).click();
  await expect(mother).toHaveURL(/\/registrations\/\d+$/);
  await expect(mother.getByText("已完成 0/4")).toBeVisible();

  // The stranger's registration is with the bureau now, and they are told.
  await stranger.goto("/registrations");
  await expect(stranger.locator("li[data-registration]").first()).toContainText("已交教体局处理");
  await expect(stranger.getByText("报名已交教体局处理", { exact: true }).first()).toBeVisible();
  const reference = (await stranger.locator("li[data-registration]").first().textContent())!.match(/报名编号 (\d{4}[ET]\d{8})/)![1];

  // The bureau finds it in its list, with when it was set aside written as people write it.
  const bureau = await staffPage(browser, "admin");
  await bureau.goto("/bureau/claims");
  await waitForHydration(bureau);
  const claim = bureau.locator(`tr[data-claim="${reference}"]`);
  await expect(claim).toContainText(reference);
  await expect(claim.locator("time")).toHaveText(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
  await expect(claim.getByRole("button", { name: "维持" })).toBeVisible();
  await bureau.context().close();

  await strangerContext.close();
  await motherContext.close();
});

test("a parent on a new account of their own moves over the registration they started", async ({ browser, expectedFailures }, testInfo) => {
  expectedFailures.push("/api/create_registration");
  const child = childId("20200313", uniqueSeq(testInfo.project.name, 64));
  // The parent's own ID number, the same on both host-app accounts.
  const parentId = childId("19870313", uniqueSeq(testInfo.project.name, 64));
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const oldContext = await browser.newContext({ ...testInfo.project.use });
  const newContext = await browser.newContext({ ...testInfo.project.use });
  const before = await oldContext.newPage();
  const after = await newContext.newPage();

  // Registered, and the child's section filled, from the account of the old phone number.
  await signInAsParent(before, `old-phone-${stamp}`, "赵磊", "13800000011", parentId);
  await startRegistration(before, child);
  await expect(before).toHaveURL(/\/registrations\/\d+$/);
  await fillChildSection(before, "赵小磊");

  // A new host-app account (a new phone number): told where the child is, and moves it here.
  await signInAsParent(after, `new-phone-${stamp}`, "赵磊", "13900000012", parentId);
  await startRegistration(after, child);
  await expect(after.locator("#child-id-error")).toContainText("您本人已经用另一个账号（手机号 138****0011");
  const move = after.locator("[data-child-move]");
  await expect(move).toContainText("已填写的信息和上传的材料都会保留");
  await expect(after.locator("[data-child-claim]")).toHaveCount(0);
  await move.getByRole("button", { name: "把报名转到当前账号" }).click();
  await expect(after).toHaveURL(/\/registrations\/\d+$/);
  await expect(after.getByText("已完成 1/4")).toBeVisible();

  // The old account no longer holds it, and says where it went.
  await before.goto("/registrations");
  await expect(before.locator("li[data-registration]")).toHaveCount(0);
  await expect(before.locator("[data-messages]")).toContainText("报名已转到您的另一个账号");

  await oldContext.close();
  await newContext.close();
});

test("after collection closed, a parent on a new account still finds and brings over their registration", async ({ browser }, testInfo) => {
  const child = childId("20200314", uniqueSeq(testInfo.project.name, 66));
  const notTheirs = childId("20200315", uniqueSeq(testInfo.project.name, 66));
  const parentId = childId("19870314", uniqueSeq(testInfo.project.name, 66));
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const oldContext = await browser.newContext({ ...testInfo.project.use });
  const newContext = await browser.newContext({ ...testInfo.project.use });
  const before = await oldContext.newPage();
  const after = await newContext.newPage();

  await signInAsParent(before, `old-account-${stamp}`, "钱峰", "13800000013", parentId);
  await startRegistration(before, child);
  await expect(before).toHaveURL(/\/registrations\/\d+$/);
  await fillChildSection(before, "钱小峰");
  await signInAsParent(after, `new-account-${stamp}`, "钱峰", "13900000014", parentId);

  await withCollectionClosed(browser, "enrollment", async () => {
    // Starting a registration (whose refusal offered the move) is over; the page says
    // where to look instead.
    await after.goto("/registrations/new");
    await waitForHydration(after);
    await after.getByRole("radio", { name: "小学一年级入学报名" }).check();
    const closed = after.locator('[data-closed-notice="enrollment"]');
    await expect(closed).toContainText("已经报过名、后来换了手机号或爱山东账号？");
    await closed.getByRole("link", { name: "找回之前用本人另一个账号报的名" }).click();
    await expect(after.getByRole("heading", { level: 1, name: "找回之前的报名" })).toBeVisible();

    // A child they never registered: told so, nothing moves.
    await after.getByLabel("儿童身份证号").fill(notTheirs);
    await after.getByRole("button", { name: "把报名转到当前账号" }).click();
    await expect(after.getByRole("alert")).toContainText("没有可以转来的报名");
    await expect(after.getByRole("heading", { level: 1, name: "找回之前的报名" })).toBeVisible();

    // Their own child: the registration opens here, to be followed to its result.
    await after.getByLabel("儿童身份证号").fill(child);
    await after.getByRole("button", { name: "把报名转到当前账号" }).click();
    await expect(after).toHaveURL(/\/registrations\/\d+$/);
    await after.goto("/registrations");
    const card = after.locator("li[data-registration]");
    await expect(card).toHaveCount(1);
    await expect(card).toContainText("钱小峰");
    await expect(card).toContainText("已完成 1/4");
    // The list also says where to look, for the next time.
    await expect(after.locator("[data-move-elsewhere]")).toContainText("换了手机号或爱山东账号？");

    await before.goto("/registrations");
    await expect(before.locator("li[data-registration]")).toHaveCount(0);
  });

  await oldContext.close();
  await newContext.close();
});
