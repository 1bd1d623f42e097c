"""Create or update a CloudFormation stack and wait until it is done."""

from __future__ import annotations

from botocore.exceptions import ClientError
from chalicelib.dynamo import error_code

# What CloudFormation answers (a ValidationError) to an update that would change nothing.
NO_UPDATES = "No updates are to be performed"
# Seconds between looks at a stack in progress, and how many looks before giving up (an hour).
WAIT = {"Delay": 5, "MaxAttempts": 720}


def apply_stack(client, name: str, template_body: str, parameters: list[dict[str, str]]) -> str:
    """Create the stack `name`, or update it if it exists, and wait; return "created", "updated" or "unchanged"."""
    if not stack_exists(client, name):
        client.create_stack(StackName=name, TemplateBody=template_body, Parameters=parameters)
        client.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)
        return "created"
    try:
        client.update_stack(StackName=name, TemplateBody=template_body, Parameters=parameters)
    except ClientError as error:
        # Running a deploy twice is normal: nothing to change is success, not a failure.
        if error_code(error) == "ValidationError" and NO_UPDATES in str(error):
            return "unchanged"
        raise
    client.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=WAIT)
    return "updated"


def stack_exists(client, name: str) -> bool:
    """Return True when a stack called `name` exists (a deleted one does not)."""
    try:
        client.describe_stacks(StackName=name)
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in str(error):
            return False
        raise
    return True
