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

/** On the simulated host app's page: opens the platform as a person (made on the spot). */
export async function openFromHostApp(
  page: Page,
  subject: string,
  name = "张伟",
  phone = "13800000001",
  idNumber = "370202198805120311",
) {
  await page.getByLabel("主体标识 Subject id").fill(subject);
  await page.getByLabel("姓名 Name").fill(name);
  await page.getByLabel("身份证号 ID number").fill(idNumber);
  await page.getByLabel("手机号 Phone").fill(phone);
  await page.getByRole("button", { name: "进入入学报名 · Open the platform" }).click();
}

/** Signs in through the simulated host app as a person (made on the spot) and checks their details. */
export async function signInAsParent(
  page: Page,
  subject: string,
  name = "张伟",
  phone = "13800000001",
  idNumber = "370202198805120311",
) {
  await page.goto("/dev/host-app");
  await openFromHostApp(page, subject, name, phone, idNumber);
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
  // With two subsystems nothing is chosen for the parent.
  await page.getByRole("radio", { name: "小学一年级入学报名" }).check();
  await page.getByLabel("本区户籍，有房产", { exact: false }).check();
  await page.getByLabel("报名学校").selectOption({ label: "市南区第一实验小学" });
  await page.getByLabel("儿童身份证号").fill(child);
  await page.getByRole("button", { name: "开始填写" }).click();
}

/** From the task list, fills the child's section by hand and goes on to 户籍信息. */
export async function fillChildSection(page: Page, childName: string) {
  await page.getByRole("link", { name: "儿童基本信息" }).click();
  await waitForHydration(page);
  await page.getByLabel("儿童姓名").fill(childName);
  await page.getByLabel("民族").selectOption({ label: "汉族" });
  await page.getByLabel("联系电话").fill("13800000001");
  await page.getByRole("button", { name: "保存并继续" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
}

/** On 户籍信息, fills a family household and goes on to 居住信息. */
export async function fillHouseholdSection(page: Page) {
  await page.getByRole("radio", { name: "否" }).check();
  await page.getByLabel("户籍地址").fill("市南区香港中路 10 号");
  await page.getByLabel("户主姓名").fill("张伟");
  await page.getByLabel("户主与儿童关系").selectOption({ label: "父亲" });
  await page.getByRole("button", { name: "保存并继续" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "居住信息" })).toBeVisible();
}

/** Fills every section of a local-property registration from the task list. */
export async function fillAllSections(page: Page, childName: string) {
  await fillChildSection(page, childName);
  await fillHouseholdSection(page);
  await page.getByRole("radio", { name: "自有房产" }).check();
  await page.getByLabel("实际居住地址").fill("市南区香港中路 10 号 2 单元 301");
  await page.getByLabel("不动产权证号").fill("鲁(2021)青岛市不动产权第0012345号");
  await page.getByLabel("产权人姓名").fill("张伟");
  await page.getByLabel("产权人与儿童关系").selectOption({ label: "父亲" });
  await page.getByRole("button", { name: "保存并继续" }).click();

  await fillGuardianSection(page, "张伟", "370202198805120311", "13800000001");
  await page.getByRole("button", { name: "保存并继续" }).click();
  await expect(page.getByText("已完成 4/4")).toBeVisible();
}

/** On 监护人信息, names the father as the one guardian; the section is left unsent. */
export async function fillGuardianSection(page: Page, father: string, idNumber: string, phone: string) {
  await expect(page.getByRole("heading", { level: 1, name: "监护人信息" })).toBeVisible();
  await page.getByLabel("监护人一与儿童关系").selectOption({ label: "父亲" });
  await page.getByLabel("监护人一姓名").fill(father);
  await page.getByLabel("监护人一身份证号").fill(idNumber);
  await page.getByLabel("监护人一手机号").fill(phone);
  await page.getByRole("radio", { name: "否" }).check();
}

/** A camera-like JPEG made by the browser's canvas: gradients, a little noise and text. */
export async function makeJpeg(page: Page, width: number, height: number, quality = 0.92): Promise<Buffer> {
  const base64 = await page.evaluate(
    async ([w, h, q]) => {
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const context = canvas.getContext("2d")!;
      const image = context.createImageData(w, h);
      const data = image.data;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = (y * w + x) * 4;
          const noise = (Math.random() * 24) | 0;
          data[i] = ((x * 255) / w + noise) & 255;
          data[i + 1] = ((y * 255) / h + noise) & 255;
          data[i + 2] = (((x + y) * 128) / (w + h) + noise) & 255;
          data[i + 3] = 255;
        }
      }
      context.putImageData(image, 0, 0);
      context.fillStyle = "#111";
      context.font = `${Math.round(h / 12)}px sans-serif`;
      context.fillText("常住人口登记卡 户主页", w / 10, h / 3);
      const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), "image/jpeg", q));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return btoa(text);
    },
    [width, height, quality] as const,
  );
  return Buffer.from(base64, "base64");
}

/** From a registration's task list: uploads a photo for every required document still missing. */
export async function uploadMissingDocuments(page: Page) {
  const taskList = page.url();
  await page.goto(`${taskList}/documents`);
  await waitForHydration(page);
  const photo = await makeJpeg(page, 1600, 1200);
  const missing = page.locator('article[data-status="missing"]');
  while ((await missing.count()) > 0) {
    const card = missing.first();
    const code = await card.getAttribute("data-document");
    await card.locator("input[type=file]").last().setInputFiles({ name: "photo.jpg", mimeType: "image/jpeg", buffer: photo });
    await expect(page.locator(`article[data-document="${code}"]`)).toHaveAttribute("data-status", "uploaded");
  }
  await page.goto(taskList);
  await waitForHydration(page);
}

/**
 * Starts, fills, documents and submits a local-property registration for `child` named
 * `childName`; ends on the receipt. Returns the registration's address.
 */
export async function submitRegistration(page: Page, child: string, childName: string): Promise<string> {
  await startRegistration(page, child);
  await expect(page).toHaveURL(/\/registrations\/\d+$/);
  const registrationUrl = page.url();
  await fillAllSections(page, childName);
  await uploadMissingDocuments(page);
  await page.getByRole("link", { name: "信息确认并提交" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "确认无误，提交" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "报名信息已提交" })).toBeVisible();
  return registrationUrl;
}
