// placeholder until i15-store lands
export interface StoredAuth {
  tokens?: Record<string, unknown>;
  clientInformation?: Record<string, unknown>;
  discoveryState?: Record<string, unknown>;
}
export class TokenStore {
  constructor(readonly dir: string) {}
  async load(_name: string, _url: string): Promise<StoredAuth> { return {}; }
  async save(_name: string, _url: string, _auth: StoredAuth): Promise<void> {}
  async forget(_name: string): Promise<void> {}
}
