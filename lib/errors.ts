/** A construct prop (or app context value) that cannot work; the message says which one and what to change. */
export class SloContractsConfigError extends Error {
  override name = 'SloContractsConfigError';
}
