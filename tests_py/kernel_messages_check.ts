/**
 * Validates messages the kernel plugin sent against src/protocol/kernelMessages.ts, for the
 * Python tests: the two sides of the protocol must not drift apart.
 *
 *   npx tsx tests_py/kernel_messages_check.ts MESSAGES.json
 *
 * MESSAGES.json is a JSON array of comm message payloads (kernel -> frontend). Prints one JSON
 * line: how many were checked and, for each invalid one, its index, type and zod's issues.
 */
import { readFileSync } from 'node:fs';
import { KernelToFrontend } from '../src/protocol/kernelMessages';

const messages = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as unknown[];
const invalid = messages.flatMap((message, index) => {
  const parsed = KernelToFrontend.safeParse(message);
  if (parsed.success) {
    return [];
  }
  const type = (message as { type?: unknown } | null)?.type ?? null;
  return [{ index, type, issues: parsed.error.issues }];
});
console.log(JSON.stringify({ checked: messages.length, invalid }));
