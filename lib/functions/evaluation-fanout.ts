/**
 * The evaluation fanned out by contract shard, when the objectives outgrow one Lambda run: a Step Functions
 * Distributed Map runs the evaluator once per shard (`{ phase: 'objectives', shard }`, all shards at once,
 * each with its share of the GetMetricData quota), then once more for the gates (`{ phase: 'gates' }`), which
 * reconciles every gate from the recorded states and sends what is pending, so a gate shared by contracts in
 * different shards freezes and lifts exactly once.
 */
import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export interface EvaluationFanOutProps {
  /** The evaluator function (its handler reads the phase from the event). */
  readonly evaluator: lambda.IFunction;
  /** Number of contract shards (2 or more). */
  readonly shards: number;
  /** The evaluator's timeout: a shard that takes longer has failed. */
  readonly evaluatorTimeout: Duration;
  /** The evaluation interval: a run that is still going when the next starts has failed. */
  readonly interval: Duration;
  /** Retention of the state machine's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

export class EvaluationFanOut extends Construct {
  /** The state machine the schedule starts every interval. */
  public readonly stateMachine: sfn.StateMachine;
  /** The state machine's input: one item per shard. */
  public readonly input: { shards: { phase: 'objectives'; shard: { index: number; count: number } }[] };

  constructor(scope: Construct, id: string, props: EvaluationFanOutProps) {
    super(scope, id);
    this.input = { shards: Array.from({ length: props.shards }, (_, index) => ({ phase: 'objectives' as const, shard: { index, count: props.shards } })) };
    const invoke = (taskId: string, payload: sfn.TaskInput) =>
      new tasks.LambdaInvoke(this, taskId, {
        lambdaFunction: props.evaluator,
        payload,
        payloadResponseOnly: true,
        taskTimeout: sfn.Timeout.duration(props.evaluatorTimeout.plus(Duration.seconds(30))),
      });
    const shards = new sfn.DistributedMap(this, 'Shards', {
      itemsPath: sfn.JsonPath.stringAt('$.shards'),
      maxConcurrency: props.shards,
      // Shard summaries are not needed downstream: the gates phase reads the recorded states.
      resultPath: sfn.JsonPath.DISCARD,
    });
    shards.itemProcessor(invoke('EvaluateShard', sfn.TaskInput.fromJsonPathAt('$')));
    const gates = invoke('ReconcileGates', sfn.TaskInput.fromObject({ phase: 'gates' }));
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'slo-contracts: evaluate every contract shard, then reconcile the gates once',
      definitionBody: sfn.DefinitionBody.fromChainable(shards.next(gates)),
      timeout: props.interval,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
    });
    const sm = Validations.of(this.stateMachine);
    sm.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery and the rest) and X-Ray tracing (xray:PutTraceSegments and the rest) ' +
        'have no resource-level permissions: "*" is the only resource IAM accepts for them.',
    });
    // cdk-nag names a finding by the resource as CloudFormation renders it: logical IDs of this stack.
    const stack = Stack.of(this);
    const logicalIdOf = (c: Construct) => stack.resolve(stack.getLogicalId(c.node.defaultChild as CfnElement)) as string;
    sm.acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.evaluator as unknown as Construct)}.Arn>:*]`,
      reason: 'LambdaInvoke grants the evaluator function and its versions (`:*`): the one function, no other.',
    });
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalIdOf(this.stateMachine)}"}]}]}`;
    for (const suffix of ['/*:*', ':*']) {
      sm.acknowledge({
        id: `AwsSolutions-IAM5[Resource::${executions}${suffix}]`,
        reason: "The Distributed Map starts, describes and stops its own child executions: executions of this one state machine, whose names Step Functions picks.",
      });
    }
  }
}
