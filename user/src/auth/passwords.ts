export interface PasswordCost {
  /** KiB of memory per hash. */
  memoryCost: number
  timeCost: number
}

/** OWASP's argon2id baseline (19 MiB, 2 passes): about 50 ms per hash on the 2-core machines this runs on. */
export const DEFAULT_PASSWORD_COST: PasswordCost = { memoryCost: 19_456, timeCost: 2 }

export type Passwords = ReturnType<typeof createPasswords>

export function createPasswords(cost: PasswordCost = DEFAULT_PASSWORD_COST) {
  const options = { algorithm: 'argon2id' as const, ...cost }
  // Checked against when the email is unknown, so that an unknown account costs the same as a wrong password.
  const dummyHash = Bun.password.hash(crypto.randomUUID(), options)
  return {
    hash: (password: string) => Bun.password.hash(password, options),
    /** Always does one argon2id verification, also when there is no hash to check against. */
    async verify(password: string, hash: string | undefined) {
      if (hash === undefined) {
        await Bun.password.verify(password, await dummyHash)
        return false
      }
      return Bun.password.verify(password, hash)
    },
  }
}
