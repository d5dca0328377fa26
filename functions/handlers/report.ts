// Placeholder so the CDK construct can bundle it; replaced by the real report handler.
export const handler = async (): Promise<void> => {
  throw new Error('report handler not written yet');
};
