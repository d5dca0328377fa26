/** The file the construct stages beside each handler bundle (lib/functions/handler-code.ts writes it, config.ts reads it). */
export const CONTRACTS_FILE = 'contracts.json';
