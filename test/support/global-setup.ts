// Placeholder replaced by the store work: starts a real MinIO for the suite.
export default async function setup(): Promise<void> {}
