"""The site's CDN: a CloudFront distribution in front of the data stack's private site bucket.

The bucket stays private: only this distribution may read it. Outside China it signs its
requests through an origin access control (OAC) and the bucket's policy names the
distribution by ARN. CloudFront in the China regions differs (its CloudFormation offers
neither OAC nor CloudFront Functions, it has no ACM and it cannot serve the *.cloudfront.cn
address): there the distribution reads the bucket as an origin access identity (OAI), the
older way that region offers, and serves only the stage's own, ICP-filed domain with a
certificate uploaded to IAM (deploy/stages.py). The cache honours what deploy/upload.py
writes on each object: no-cache pages and sw.js are asked for again each time, files named
after their content are kept a year.
"""

from __future__ import annotations

from deploy.datastack import SITE_BUCKET, imported
from deploy.stages import CHINA_PARTITION, Stage, partition

SITE_DISTRIBUTION = "SiteDistribution"
SITE_ORIGIN_ACCESS_CONTROL = "SiteOriginAccessControl"
SITE_ORIGIN_ACCESS_IDENTITY = "SiteOriginAccessIdentity"
SITE_CACHE_POLICY = "SiteCachePolicy"
SITE_BUCKET_POLICY = "SiteBucketPolicy"
SITE_DISTRIBUTION_ID = "SiteDistributionId"
SITE_DOMAIN_NAME = "SiteDomainName"
NOT_FOUND_PAGE = "/404.html"
_ORIGIN_ID = "site-bucket"
# The longest any object may be kept: a year, what upload.py gives files named after their content.
_YEAR = 31_536_000


def site_cdn_resources(stage: Stage) -> dict[str, dict]:
    """Return the distribution, how it reads the bucket, its cache policy and the bucket's policy."""
    china = partition(stage.region) == CHINA_PARTITION
    origin: dict = {
        "Id": _ORIGIN_ID,
        "DomainName": imported(stage, f"{SITE_BUCKET}RegionalDomainName"),
    }
    if china:
        access = {
            SITE_ORIGIN_ACCESS_IDENTITY: {
                "Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity",
                "Properties": {"CloudFrontOriginAccessIdentityConfig": {"Comment": f"sanwei-{stage.name}-site"}},
            }
        }
        origin["S3OriginConfig"] = {
            "OriginAccessIdentity": {"Fn::Sub": f"origin-access-identity/cloudfront/${{{SITE_ORIGIN_ACCESS_IDENTITY}}}"}
        }
        reader: dict = {"CanonicalUser": {"Fn::GetAtt": [SITE_ORIGIN_ACCESS_IDENTITY, "S3CanonicalUserId"]}}
        only_this_distribution: dict = {}
    else:
        access = {
            SITE_ORIGIN_ACCESS_CONTROL: {
                "Type": "AWS::CloudFront::OriginAccessControl",
                "Properties": {
                    "OriginAccessControlConfig": {
                        "Name": f"sanwei-{stage.name}-site",
                        "OriginAccessControlOriginType": "s3",
                        "SigningBehavior": "always",
                        "SigningProtocol": "sigv4",
                    }
                },
            }
        }
        # An empty identity: the origin is read through the access control instead.
        origin["S3OriginConfig"] = {"OriginAccessIdentity": ""}
        origin["OriginAccessControlId"] = {"Fn::GetAtt": [SITE_ORIGIN_ACCESS_CONTROL, "Id"]}
        reader = {"Service": "cloudfront.amazonaws.com"}
        only_this_distribution = {
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:"
                        f"distribution/${{{SITE_DISTRIBUTION}}}"
                    }
                }
            }
        }
    return {
        **access,
        SITE_CACHE_POLICY: _cache_policy(stage),
        SITE_DISTRIBUTION: _distribution(stage, origin),
        SITE_BUCKET_POLICY: _bucket_policy(stage, reader, only_this_distribution),
    }


def site_cdn_outputs() -> dict[str, dict]:
    """Return the stack's outputs a deploy needs: the distribution to invalidate and its address."""
    return {
        SITE_DISTRIBUTION_ID: {
            "Description": "网站 CDN 分配的 ID（上传后按它刷新缓存）",
            "Value": {"Ref": SITE_DISTRIBUTION},
        },
        SITE_DOMAIN_NAME: {
            "Description": "网站 CDN 自带的域名（自己的域名要用 CNAME 指向它）",
            "Value": {"Fn::GetAtt": [SITE_DISTRIBUTION, "DomainName"]},
        },
    }


def _cache_policy(stage: Stage) -> dict:
    return {
        "Type": "AWS::CloudFront::CachePolicy",
        "Properties": {
            "CachePolicyConfig": {
                "Name": f"sanwei-{stage.name}-site",
                # The objects' own Cache-Control decides: MinTTL 0 lets no-cache mean "ask again",
                # and an object without one (upload.py writes it on every object) is not kept.
                "MinTTL": 0,
                "DefaultTTL": 0,
                "MaxTTL": _YEAR,
                # Query strings (register/?src=<tag>) are read by the page's script, not the
                # bucket: one cached copy serves every tag. The encodings let CloudFront keep
                # gzip and brotli copies apart.
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": True,
                    "EnableAcceptEncodingBrotli": True,
                    "HeadersConfig": {"HeaderBehavior": "none"},
                    "CookiesConfig": {"CookieBehavior": "none"},
                    "QueryStringsConfig": {"QueryStringBehavior": "none"},
                },
            }
        },
    }


def _distribution(stage: Stage, origin: dict) -> dict:
    config: dict = {
        "Enabled": True,
        "Comment": f"sanwei-{stage.name}-site",
        "DefaultRootObject": "index.html",
        "HttpVersion": "http2",
        "Origins": [origin],
        "DefaultCacheBehavior": {
            "TargetOriginId": _ORIGIN_ID,
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "CachedMethods": ["GET", "HEAD"],
            "CachePolicyId": {"Ref": SITE_CACHE_POLICY},
            # CloudFront compresses text itself (upload.py does not send the build's copies).
            "Compress": True,
        },
        # A private bucket answers 403 for a key it does not have (reading the list of keys is
        # not allowed): both are the site's own "not found" page, with a 404.
        "CustomErrorResponses": [
            {"ErrorCode": code, "ResponseCode": 404, "ResponsePagePath": NOT_FOUND_PAGE} for code in (403, 404)
        ],
    }
    if stage.site_domain is None:
        config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True}
    else:
        config["Aliases"] = [stage.site_domain]
        china = partition(stage.region) == CHINA_PARTITION
        config["ViewerCertificate"] = {
            "IamCertificateId" if china else "AcmCertificateArn": stage.certificate,
            "SslSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
    return {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": config}}


def _bucket_policy(stage: Stage, reader: dict, only_this_distribution: dict) -> dict:
    # A bucket has one policy, so the data stack leaves the site bucket's to this stack, which
    # knows the distribution. Upload and CloudFront both use HTTPS; anything else is refused.
    bucket_arn = imported(stage, f"{SITE_BUCKET}Arn")
    objects = {"Fn::Sub": ["${BucketArn}/*", {"BucketArn": bucket_arn}]}
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": imported(stage, f"{SITE_BUCKET}Name"),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "CdnReads",
                        "Effect": "Allow",
                        "Principal": reader,
                        "Action": "s3:GetObject",
                        "Resource": objects,
                        **only_this_distribution,
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket_arn, objects],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }
