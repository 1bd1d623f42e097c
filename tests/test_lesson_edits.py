"""Which edits of a lesson reach only its own page: what lets `serve` render that page alone."""

from __future__ import annotations

import pytest

from sitegen.lessons import only_words_changed

LESSON = """---
title: 如何使用驿站
tags: [驿站]
---

## 驿站是什么

驿站可以歇脚、喝水、充电。见[归队码](return-code-guide.md)。

![示意图](return-code-steps.svg)
"""


@pytest.mark.parametrize(
    ("edited", "words_only"),
    [
        (LESSON.replace("歇脚、喝水", "歇脚、喝热水"), True),
        (LESSON.replace("## 驿站是什么", "## 驿站能做什么"), True),
        (LESSON + "\n```\n[不是链接](other.md)\n```\n", True),
        (LESSON.replace("title: 如何使用驿站", "title: 怎样使用驿站"), False),
        (LESSON.replace("tags: [驿站]", "tags: [驿站, 服务]"), False),
        (LESSON.replace("return-code-guide.md", "using-stations.md"), False),
        (LESSON + "\n再看[另一课](volunteering.md)。\n", False),
        (LESSON.replace("return-code-steps.svg", "other.svg"), False),
        # Two minutes to read instead of one: the lessons list shows it.
        (LESSON + "\n" + "字" * 400 + "\n", False),
        (LESSON.replace("---\n", "", 1), False),
    ],
)
def test_only_a_change_of_words_reaches_only_the_lessons_page(edited, words_only):
    assert only_words_changed(LESSON, edited) is words_only
