"""The API stack's alarms: what tells the office's IT person that members' submissions are failing.

Each alarm goes to the data stack's alarm topic (and its e-mail subscription), when it fires
and when it clears. A period with no data (no traffic) is not a failure.
"""

from __future__ import annotations

from deploy.datastack import ALARM_TOPIC, imported, table_logical_id
from deploy.stages import Stage

# Every alarm looks at five-minute sums: short enough to act on, long enough that one slow
# request at night does not wake anybody.
PERIOD_SECONDS = 300


def alarm_resources(
    stage: Stage, api_name: str, api_stage: str, function_name: str, dead_letter_queue: str
) -> dict[str, dict]:
    """Return the alarms on the stage's API, its Lambda function, its table and its failed exports."""
    table = imported(stage, f"{table_logical_id('submissions')}Name")
    alarms = {
        # The app answers 503 when DynamoDB is briefly busy, and the page retries it: a few are
        # the system working. Five in five minutes is members kept waiting, or a 500 (a request
        # DynamoDB refuses for good, which is logged).
        "ApiServerErrorsAlarm": _alarm(
            stage,
            "api-5xx",
            "接口在 5 分钟内至少 5 次回答 5xx（服务器错误或繁忙）：成员的提交可能没有成功，请查看函数日志。",
            "AWS/ApiGateway",
            "5XXError",
            {"ApiName": api_name, "Stage": api_stage},
            threshold=5,
        ),
        # The app turns every error a route raises into an answer, so an error Lambda counts is
        # a crash, a timeout or memory running out: every one is worth a look.
        "FunctionErrorsAlarm": _alarm(
            stage,
            "function-errors",
            "接口函数出错（崩溃、超时或内存不足）：请查看函数日志。",
            "AWS/Lambda",
            "Errors",
            {"FunctionName": function_name},
            threshold=1,
        ),
        # A throttled invocation is a member's request refused because the account's concurrent
        # Lambda executions are used up: raise the quota, or the API's throttling.
        "FunctionThrottlesAlarm": _alarm(
            stage,
            "function-throttles",
            "接口函数因并发数用完被限流，有请求被拒绝："
            "请申请提高 Lambda 并发配额，或调低 stages.yaml 的 throttle_rate。",
            "AWS/Lambda",
            "Throttles",
            {"FunctionName": function_name},
            threshold=1,
        ),
        # An export job the worker failed on three times is in the dead-letter queue: the staff
        # member who asked for it waits for a file that will not come.
        "ExportsDeadLettersAlarm": _alarm(
            stage,
            "export-dead-letters",
            "有导出任务后台重试 3 次仍失败，进了死信队列：请查看导出函数的日志，并告诉工作人员重新导出。",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": dead_letter_queue},
            threshold=1,
            statistic="Maximum",
        ),
    }
    # An on-demand table still throttles a partition pushed past its limits, or traffic more than
    # double its recent peak. The SDK retries and the page retries the 503, so a few are absorbed;
    # ten in five minutes means members wait or give up.
    for kind, metric, words in (("read", "ReadThrottleEvents", "读取"), ("write", "WriteThrottleEvents", "写入")):
        alarms[f"Table{kind.title()}ThrottlesAlarm"] = _alarm(
            stage,
            f"table-{kind}-throttles",
            f"数据表的{words}在 5 分钟内至少 10 次被限流：成员的提交或工作人员的查询在重试，请查看是否有异常流量。",
            "AWS/DynamoDB",
            metric,
            {"TableName": table},
            threshold=10,
        )
    return alarms


def _alarm(
    stage: Stage,
    name: str,
    description: str,
    namespace: str,
    metric: str,
    dimensions: dict,
    threshold: int,
    statistic: str = "Sum",
) -> dict:
    topic = imported(stage, f"{ALARM_TOPIC}Arn")
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": f"sanwei-{stage.name}-{name}",
            "AlarmDescription": f"三微 {stage.name}：{description}",
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions.items()],
            "Statistic": statistic,
            "Period": PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic],
            "OKActions": [topic],
        },
    }
