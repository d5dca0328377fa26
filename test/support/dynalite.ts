// The in-process DynamoDB the tests share with the local demo.
export { startDynalite, type Dynalite } from '../../bin/local/dynalite.ts';
