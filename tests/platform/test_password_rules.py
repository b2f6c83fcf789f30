"""Password rules: a breached-password list and pattern rules, as a plain function (no Flask, no database).

The patterns are caught by rule, not by listing them: each refused example below is checked to be
absent from both shipped lists, so only a rule can refuse it.
"""
import pytest

from bureau.accounts.passwords import breached_passwords, password_problem

BUREAU = "温州市人力资源和社会保障局"
WORD_AND_DIGITS = "单词或缩写"
KEYBOARD = "键盘"
COMMON = "过于常见"
NAME = "不能包含用户名"
BUREAU_NAME = "本局"

# (password, username, what the message must say)
REFUSED_BY_RULE = [
    ("Abc@1234", "", WORD_AND_DIGITS),        # the two examples
    ("Wz123456", "", WORD_AND_DIGITS),
    ("Jingsai-2026", "", WORD_AND_DIGITS),    # a word and a year
    ("Gongzuoshi-2027", "", WORD_AND_DIGITS),
    ("Zhangwei1990", "", WORD_AND_DIGITS),    # a name and a year
    ("zs19880808", "", WORD_AND_DIGITS),      # initials and a birthday
    ("Hangzhou2026!!", "", WORD_AND_DIGITS),  # symbols after the digits
    ("2026#Xiamen", "", WORD_AND_DIGITS),     # digits first
    ("Hzwl_520520", "", WORD_AND_DIGITS),
    ("Xingfu!88", "", WORD_AND_DIGITS),
    ("!QAZ2wsx#EDC", "", KEYBOARD),           # keyboard columns, shifted
    ("1qaz2wsx3edc4r", "", KEYBOARD),
    ("qwer1234asdf", "", KEYBOARD),           # row walks and a digit run
    ("0987poiuytr", "", KEYBOARD),            # walks backwards
    ("zxcvbnm,./2026", "", KEYBOARD),
    ("Abcdefg-98765", "", KEYBOARD),          # alphabet and digit sequences
    ("741852963!", "", KEYBOARD),             # the numeric keypad
    ("20261990@@", "", KEYBOARD),             # only digits and symbols
    ("Zz!Zz!Zz!Zz!", "", COMMON),             # one chunk repeated
    ("abcXYabcXYabcXY", "", COMMON),
    ("liming-2026-ok", "liming", NAME),       # the user name inside
    ("Renshe-jinbu-88", "", BUREAU_NAME),     # the bureau's name inside (人社 in pinyin)
    ("我爱温州-Hu-9", "", BUREAU_NAME),         # the city of the configured bureau name
]

REFUSED_BY_LIST = [
    ("8j4ye3uz", COMMON),       # random-looking, but leaked often enough to be on the list
    ("kcj9wx5n", COMMON),
    ("Pa$$w0rd!", COMMON),      # a listed password written with look-alike characters
    ("Sunshine2026", COMMON),   # a listed password with digits added
    ("woaini1314", COMMON),     # the Chinese additions
]

ACCEPTED = [
    "Jiangnan-spring-88",
    "Another-good-one-7",
    "Test-passw0rd-42",
    "correct horse battery staple",
    "correcthorsebatterystaple",   # a long passphrase without spaces
    "Xk9#mQ2vLp",                  # random strings
    "k9#Q2v!7zR",
    "tG4-wQ8z-Lm2",
    "Nanxi-jiang-58",
    "Dashi-Wenzhou-07!",
    "春江潮水连海平，海上明月共潮生",
    "My cat eats 3 fish a day",
]


@pytest.mark.parametrize("password, username, expected", REFUSED_BY_RULE)
def test_patterns_are_refused_by_rule(password, username, expected):
    listed = breached_passwords()
    assert password.lower() not in listed and password.lower().strip("0123456789!@#_-") not in listed  # a rule, not a list
    problem = password_problem(password, username, bureau_name=BUREAU)
    assert problem is not None and expected in problem, (password, problem)


@pytest.mark.parametrize("password, expected", REFUSED_BY_LIST)
def test_breached_passwords_are_refused(password, expected):
    problem = password_problem(password, "someone", bureau_name=BUREAU)
    assert problem is not None and expected in problem, (password, problem)


@pytest.mark.parametrize("password", ACCEPTED)
def test_passphrases_and_random_strings_pass(password):
    assert password_problem(password, "zhangsan", bureau_name=BUREAU) is None


def test_the_breached_list_is_a_real_one():
    listed = breached_passwords()
    assert len(listed) > 30_000
    assert {"123456", "password", "iloveyou", "1qaz2wsx", "woaini1314"} <= listed


def test_a_short_user_name_does_not_forbid_its_letters():
    assert password_problem("Jiangnan-spring-88", "j") is None
