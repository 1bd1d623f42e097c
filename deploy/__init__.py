"""Putting Sanwei on AWS: the stages, and the CloudFormation templates made for them."""
