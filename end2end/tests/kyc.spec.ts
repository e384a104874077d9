import { expect, test, type Page } from "@playwright/test";
import { admin, logIn, operator, search, uniqueEmail } from "./helpers";

// KYC from documents to decision: a legal operator uploads an identity document, a second
// one accepts it from User docs pending pre-review, the first submits KYC, the second
// validates it (the first may not: four-eyes); a read-only operator sees the documents'
// states and nothing else, and the server refuses them the file.

const board = (page: Page) => page.locator("#user-board");

async function openUser(page: Page, id: number) {
  await search(page, { "User Id": String(id) });
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText(`#${id}`);
  await board(page).getByRole("tab", { name: "KYC", exact: true }).click();
}

/** A PDF of about `size` bytes (the server reads its first bytes, so padding is fine). */
function pdf(size: number): Buffer {
  const head = "%PDF-1.4\n% identity document for the end-to-end test\n";
  return Buffer.concat([Buffer.from(head), Buffer.alloc(Math.max(0, size - head.length), 0x20)]);
}

test("KYC: upload, pre-review, submit, four-eyes validation; read-only sees states only", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await page.goto("/profiles");
  await logIn(page, admin.username, admin.password);
  const first = await operator(page, browser, "legal-a", "Support & legal User");
  const second = await operator(page, browser, "legal-b", "Support & legal User");
  const readOnly = await operator(page, browser, "readonly", "Support User – Read only");

  // The first legal operator creates a customer.
  await first.goto("/users/new");
  const form = first.locator("form.user-form");
  await form.getByLabel("Email", { exact: true }).fill(uniqueEmail("kyc-customer"));
  await form.getByLabel("First name").fill("Marie");
  await form.getByLabel("Last name").fill("Curie");
  await form.getByLabel("US person").selectOption({ label: "No" });
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(first).toHaveURL(/\/profiles$/);
  const heading = (await board(first).getByRole("heading", { level: 2 }).textContent()) ?? "";
  const id = Number(heading.match(/#(\d+)/)![1]);
  await board(first).getByRole("tab", { name: "KYC", exact: true }).click();
  await expect(board(first).getByText("No document yet.")).toBeVisible();
  await expect(board(first).getByTestId("kyc-missing")).toContainText("Identity");

  // A file that is not a PDF, JPEG or PNG, whatever its name, is refused before upload.
  await board(first).getByRole("button", { name: "Add KYC document" }).click();
  let dialog = first.getByRole("dialog", { name: "Add KYC document" });
  await dialog.getByLabel("Document type").selectOption({ label: "Passport" });
  const chooser = dialog.getByLabel("File (PDF, JPEG or PNG, at most 10 MB)");
  await chooser.setInputFiles({ name: "scan.pdf", mimeType: "application/pdf", buffer: Buffer.from("GIF89a not a pdf") });
  await expect(dialog.getByRole("alert")).toContainText("not a PDF, JPEG or PNG");
  await expect(dialog.getByLabel("Document type")).toHaveValue("17");

  // The upload shows its progress (the link slowed down so that it can be seen).
  const cdp = await first.context().newCDPSession(first);
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 200 * 1024,
  });
  await chooser.setInputFiles({ name: "passport.pdf", mimeType: "application/pdf", buffer: pdf(600 * 1024) });
  await expect(dialog.getByText("Chosen: passport.pdf")).toBeVisible();
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(dialog.getByLabel("Uploading")).toBeVisible();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect(first.locator(".notice")).toContainText("passport.pdf was uploaded");
  const row = board(first).locator("table[aria-label='KYC documents'] tbody tr").first();
  await expect(row.getByTestId("document-state")).toHaveText("Pending pre-review");
  await expect(board(first).getByTestId("kyc-missing")).toContainText("wait for their pre-review");
  await expect(board(first).getByRole("button", { name: "Submit KYC" })).toBeDisabled();
  const documentId = Number(await row.getAttribute("data-document-id"));

  // The second accepts it from User docs pending pre-review, the document beside the identity.
  await second.goto(`/docs-pending-review?userId=${id}`);
  const queueRow = second.locator(`tr[data-document-id="${documentId}"]`);
  await expect(queueRow).toContainText("Passport");
  await queueRow.getByRole("button", { name: "Review" }).click();
  dialog = second.getByRole("dialog", { name: /Review document: Passport/ });
  await expect(dialog.getByTestId("document-preview").locator("iframe")).toBeVisible();
  await expect(dialog.getByRole("definition").first()).toContainText("Marie Curie");
  await dialog.getByRole("button", { name: "Refuse" }).click();
  await expect(dialog.getByRole("alert")).toContainText("needs a comment");
  await dialog.getByLabel("Comment (required to refuse)").fill("Readable, matches the profile");
  await dialog.getByRole("button", { name: "Accept" }).click();
  await expect(dialog).toBeHidden();
  await expect(second.getByText("No document waits for its pre-review.")).toBeVisible();

  // The first submits KYC.
  await openUser(first, id);
  await expect(row.getByTestId("document-state")).toHaveText("Pre-review accepted");
  await board(first).getByRole("button", { name: "Submit KYC" }).click();
  dialog = first.getByRole("dialog", { name: "Submit KYC" });
  await dialog.getByRole("button", { name: "Submit KYC" }).click();
  await expect(first.locator(".notice")).toContainText("The KYC review was submitted.");

  // Four-eyes: the submitter is offered no decision (and the server refuses it: the
  // integration tests); the second opens the document and validates.
  await first.goto(`/kyc-reviews?userId=${id}`);
  await expect(first.locator("tr", { hasText: `#${id}` })).toContainText("another operator decides");
  await expect(first.getByRole("button", { name: "Decide" })).toHaveCount(0);
  await second.goto(`/kyc-reviews?userId=${id}`);
  await second.locator("tr", { hasText: `#${id}` }).getByRole("button", { name: "Decide" }).click();
  dialog = second.getByRole("dialog", { name: /Decide the KYC review/ });
  const covered = dialog.getByRole("list", { name: "Documents of the review" });
  await expect(covered).toContainText("Passport (passport.pdf)");
  await covered.getByRole("button", { name: "Open" }).click();
  await expect(covered.getByTestId("document-preview").locator("iframe")).toBeVisible();
  await dialog.getByRole("radio", { name: "Refuse" }).check();
  await dialog.getByRole("button", { name: "Record the decision" }).click();
  await expect(dialog.getByRole("alert")).toContainText("needs a reason and a comment");
  await dialog.getByRole("radio", { name: "Validate" }).check();
  await dialog.getByLabel("Comment (required to refuse)").fill("Identity checked");
  await dialog.getByRole("button", { name: "Record the decision" }).click();
  await expect(dialog).toBeHidden();
  await expect(second.locator(".notice")).toContainText("KYC validated");
  await openUser(second, id);
  await expect(board(second).locator("dt:text-is('KYC review') + dd")).toHaveText("Validated");
  await expect(board(second).locator("dt:text-is('User status') + dd")).toHaveText("Validated");
  await expect(board(second).getByTestId("kyc-history")).toContainText("validated by");

  // A read-only operator sees the document and its state, no command, and no file.
  await openUser(readOnly, id);
  const seen = board(readOnly).locator(`tr[data-document-id="${documentId}"]`);
  await expect(seen.getByTestId("document-state")).toHaveText("Processed: validated");
  for (const name of ["Open", "Review document", "Delete document", "Add KYC document", "Submit KYC"]) {
    await expect(board(readOnly).getByRole("button", { name, exact: true })).toHaveCount(0);
  }
  const status = await readOnly.evaluate(async (docId) => {
    const res = await fetch("/api/documents/link", {
      method: "POST",
      headers: { "content-type": "application/json", "x-backoffice-request": "1" },
      body: JSON.stringify({ id: docId, preview: false }),
    });
    return res.status;
  }, documentId);
  expect(status).toBe(403);
});
