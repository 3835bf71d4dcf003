"""The `amazon` provider: Amazon Web Services AI APIs over plain HTTPS, signed with SigV4.

Services and API versions: Textract (2018-06-27), Comprehend (2017-11-27), Translate (2017-07-01),
Polly (2016-06-10), Transcribe (2017-10-26), Rekognition (2016-06-27), Bedrock runtime
(2023-09-30: Converse, InvokeModel) and S3 (2006-03-01, staging the inputs of long jobs).

Environment:
- AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (required), AWS_SESSION_TOKEN (temporary credentials).
- AWS_REGION or AWS_DEFAULT_REGION (required), e.g. us-east-1.
- AWS_S3_BUCKET or UNIGATE_AWS_S3_BUCKET: a bucket in that region where ocr/ocr_async,
  ocr/ocr_tables_async and audio/speech_to_text_async stage their input (deleted afterwards);
  those offers are unavailable without it. A job abandoned before it ends (engine timeout) can
  leave its input under the `unigate/` prefix: an S3 lifecycle rule expiring it after a day or two
  is advised.
- Endpoints: AWS_ENDPOINT_URL_<SERVICE> for one service (TEXTRACT, COMPREHEND, TRANSLATE, POLLY,
  TRANSCRIBE, REKOGNITION, BEDROCK_RUNTIME, S3), else UNIGATE_AWS_ENDPOINT_URL or AWS_ENDPOINT_URL
  for all of them (tests, S3-compatible stores, VPC endpoints). S3 is addressed path-style when
  overridden, virtual-hosted style otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unigate.providers.amazon import aws
from unigate.providers.amazon.offers import all_offers
from unigate.providers.base import Offer


class AmazonProvider:
    name = "amazon"
    display_name = "Amazon Web Services"

    def offers(self) -> Sequence[Offer]:
        return all_offers()

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return aws.missing_config(env)

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {name: env[name] for name in aws.config_keys() if env.get(name)}


__all__ = ["AmazonProvider"]
