// Placeholder so the CDK construct can bundle it; replaced by the real evaluate handler.
export const handler = async (): Promise<void> => {
  throw new Error('evaluate handler not written yet');
};
