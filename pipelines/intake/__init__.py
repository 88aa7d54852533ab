"""The intake: a submitted file is landed (kept as sent), checked and standardised.

Everything outside the intake (the `rocu` command, the Upload page, the inbox sensor and
the assets) calls it through `pipelines.intake.api`, its one public interface. This file
stays empty on purpose: the isolated reader child imports `pipelines.intake.standardise`,
and must not pay for importing Great Expectations with it.
"""
