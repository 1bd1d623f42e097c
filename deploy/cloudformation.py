"""Create or update a CloudFormation stack and wait until it is done."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from botocore.exceptions import ClientError
from chalicelib.dynamo import error_code

# What CloudFormation answers (a ValidationError) to an update that would change nothing.
NO_UPDATES = "No updates are to be performed"
# Seconds between looks at a stack in progress, and how many looks before giving up (an hour).
WAIT = {"Delay": 5, "MaxAttempts": 720}
# The stack's own event that starts an operation: events older than it belong to earlier deploys.
_OPERATION_STARTS = ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS")
_ROLLBACK_STARTS = ("ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS")
# A stack whose first creation failed and was rolled back: it can only be deleted.
FAILED_FIRST_CREATE = "ROLLBACK_COMPLETE"
# What CloudFormation says of the resources it stopped because another one failed: not a cause.
_CANCELLED = ("Resource creation cancelled", "Resource update cancelled")


@dataclass(frozen=True)
class StackFailure:
    """A resource CloudFormation could not create, update or delete, and AWS's reason, as it is."""

    logical_id: str
    resource_type: str
    status: str
    reason: str


def apply_stack(
    client, name: str, template_body: str, parameters: list[dict[str, str]], capabilities: Sequence[str] = ()
) -> str:
    """Create the stack `name`, or update it if it exists, and wait; return "created", "updated" or "unchanged".

    capabilities acknowledges what the template does (CAPABILITY_IAM for a role, CAPABILITY_AUTO_EXPAND
    for a transform such as SAM's). When CloudFormation fails and rolls back, the waiter raises
    botocore's WaiterError; stack_failures() says why."""
    request = {"StackName": name, "TemplateBody": template_body, "Parameters": parameters}
    if capabilities:
        request["Capabilities"] = list(capabilities)
    status = stack_status(client, name)
    if status == FAILED_FIRST_CREATE:
        # What a first creation that failed leaves: a stack CloudFormation can only delete, whose
        # resources were rolled back (what holds data is kept: Retain). The next deploy, once the
        # cause is fixed, makes it afresh instead of being refused until someone deletes it by hand.
        client.delete_stack(StackName=name)
        client.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=WAIT)
        status = None
    if status is None:
        client.create_stack(**request)
        client.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)
        return "created"
    try:
        client.update_stack(**request)
    except ClientError as error:
        # Running a deploy twice is normal: nothing to change is success, not a failure.
        if error_code(error) == "ValidationError" and NO_UPDATES in str(error):
            return "unchanged"
        raise
    client.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=WAIT)
    return "updated"


def stack_status(client, name: str) -> str | None:
    """Return the status of the stack called `name`, or None when there is none (a deleted one is none)."""
    try:
        [stack] = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if _is_missing(error):
            return None
        raise
    return stack["StackStatus"]


def _is_missing(error: ClientError) -> bool:
    # What CloudFormation answers for a stack it does not have (a deleted one included).
    return error_code(error) == "ValidationError" and "does not exist" in str(error)


def stack_outputs(client, name: str) -> dict[str, str]:
    """Return a stack's outputs, {key: value}; none when there is no such stack (or it has none yet)."""
    try:
        [stack] = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if _is_missing(error):
            return {}
        raise
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def stack_failures(client, name: str) -> list[StackFailure]:
    """Return what failed in the stack's last operation, first failure first: the resources that
    failed, or, when none did (a template the SAM transform refused), the stack's own reason."""
    failed, rolled_back = [], []
    for event in _last_operation_events(client, name):
        reason = event.get("ResourceStatusReason", "")
        failure = StackFailure(event["LogicalResourceId"], event["ResourceType"], event["ResourceStatus"], reason)
        if event["ResourceStatus"].endswith("_FAILED") and not reason.startswith(_CANCELLED):
            failed.append(failure)
        elif event["ResourceStatus"] in _ROLLBACK_STARTS and _is_the_stack(event, name):
            rolled_back.append(failure)
    return (failed or rolled_back)[::-1]


def _last_operation_events(client, name: str) -> Iterator[dict]:
    # Events come newest first; the last operation is everything down to its own start.
    for page in client.get_paginator("describe_stack_events").paginate(StackName=name):
        for event in page["StackEvents"]:
            if _is_the_stack(event, name) and event["ResourceStatus"] in _OPERATION_STARTS:
                return
            yield event


def _is_the_stack(event: dict, name: str) -> bool:
    # A stack's own events carry its name as the logical id.
    return event["ResourceType"] == "AWS::CloudFormation::Stack" and event["LogicalResourceId"] == name
