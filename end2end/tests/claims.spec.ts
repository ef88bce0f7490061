import { test, expect, waitForHydration } from "./fixtures";
import { signInAsParent, startRegistration } from "./parent";

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

  await strangerContext.close();
  await motherContext.close();
});
