export default async function globalTeardown(): Promise<void> {
  await globalThis.testDatabase?.drop();
  await globalThis.dropTemplate?.();
}
