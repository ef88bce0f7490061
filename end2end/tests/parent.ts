import { Page, expect } from "@playwright/test";
import { waitForHydration } from "./fixtures";

/** A valid resident ID number born on `yyyymmdd` with a three-digit sequence. */
export function childId(yyyymmdd: string, seq: number): string {
  const first17 = `370202${yyyymmdd}${String(seq).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, c, i) => acc + Number(c) * weights[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

/** A sequence number unique to this run and project, so that children never collide. */
export function uniqueSeq(projectName: string, offset: number): number {
  return (projectName === "phone" ? 100 : 500) + offset * 2 + 1;
}

/** Signs in through the simulated host app as a person (made on the spot) and checks their details. */
export async function signInAsParent(page: Page, subject: string, name = "张伟", phone = "13800000001") {
  await page.goto("/dev/host-app");
  await page.getByLabel("主体标识 Subject id").fill(subject);
  await page.getByLabel("姓名 Name").fill(name);
  await page.getByLabel("身份证号 ID number").fill("370202198805120311");
  await page.getByLabel("手机号 Phone").fill(phone);
  await page.getByRole("button", { name: "进入入学报名 · Open the platform" }).click();
  await expect(page).toHaveURL(/\/(me|registrations)$/);
  if (page.url().endsWith("/me")) {
    await waitForHydration(page);
    await page.getByRole("button", { name: "信息无误，继续" }).click();
    await page.getByRole("link", { name: "进入我的报名" }).click();
  }
  await expect(page.getByRole("heading", { level: 1, name: "我的报名" })).toBeVisible();
}

/** Starts a first-grade registration for `child` by the local-property entry. */
export async function startRegistration(page: Page, child: string) {
  await page.goto("/registrations/new");
  await waitForHydration(page);
  await page.getByLabel("本区户籍，有房产", { exact: false }).check();
  await page.getByLabel("报名学校").selectOption({ label: "市南区第一实验小学" });
  await page.getByLabel("儿童身份证号").fill(child);
  await page.getByRole("button", { name: "开始填写" }).click();
}

/** Fills every section of a local-property registration from the task list. */
export async function fillAllSections(page: Page, childName: string) {
  await page.getByRole("link", { name: "儿童基本信息" }).click();
  await waitForHydration(page);
  await page.getByLabel("儿童姓名").fill(childName);
  await page.getByLabel("民族").selectOption({ label: "汉族" });
  await page.getByLabel("联系电话").fill("13800000001");
  await page.getByRole("button", { name: "保存并继续" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
  await page.getByRole("radio", { name: "否" }).check();
  await page.getByLabel("户籍地址").fill("市南区香港中路 10 号");
  await page.getByLabel("户主姓名").fill("张伟");
  await page.getByLabel("户主与儿童关系").selectOption({ label: "父亲" });
  await page.getByRole("button", { name: "保存并继续" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "居住信息" })).toBeVisible();
  await page.getByRole("radio", { name: "自有房产" }).check();
  await page.getByLabel("实际居住地址").fill("市南区香港中路 10 号 2 单元 301");
  await page.getByLabel("不动产权证号").fill("鲁(2021)青岛市不动产权第0012345号");
  await page.getByLabel("产权人姓名").fill("张伟");
  await page.getByLabel("产权人与儿童关系").selectOption({ label: "父亲" });
  await page.getByRole("button", { name: "保存并继续" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "监护人信息" })).toBeVisible();
  await page.getByLabel("监护人一与儿童关系").selectOption({ label: "父亲" });
  await page.getByLabel("监护人一姓名").fill("张伟");
  await page.getByLabel("监护人一身份证号").fill("370202198805120311");
  await page.getByLabel("监护人一手机号").fill("13800000001");
  await page.getByRole("radio", { name: "否" }).check();
  await page.getByRole("button", { name: "保存并继续" }).click();
  await expect(page.getByText("已完成 4/4")).toBeVisible();
}
