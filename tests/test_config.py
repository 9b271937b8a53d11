import dataclasses

import pytest
import yaml

from stance.config import BASE_CONFIG, CONFIG_DIR, Config, find_config, load_config, packaged_configs, save_config
from stance.errors import ConfigError, InputError


def _all_keys(cls, prefix=""):
    keys = set()
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(f.type) or (isinstance(f.type, str) and f.type.endswith("Config")):
            sub = {"data": "DataConfig", "model": "ModelConfig", "train": "TrainConfig", "evaluation": "EvalConfig"}
            import stance.config as c

            keys |= _all_keys(getattr(c, sub[f.name]), f"{prefix}{f.name}.")
        else:
            keys.add(prefix + f.name)
    return keys


def _flatten(d, prefix=""):
    out = set()
    for k, v in d.items():
        if isinstance(v, dict) and k not in ("label_alias", "display_alias"):
            out |= _flatten(v, f"{prefix}{k}.")
        else:
            out.add(prefix + k)
    return out


def test_base_yaml_holds_every_default():
    base = yaml.safe_load(BASE_CONFIG.read_text())
    assert _flatten(base) == _all_keys(Config)


def test_every_field_has_help_text():
    import stance.config as c

    for cls in (c.Config, c.DataConfig, c.ModelConfig, c.TrainConfig, c.EvalConfig):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("help"), f"{cls.__name__}.{f.name} has no help text"


def test_experiment_file_overrides_base_and_names_the_run(tmp_path):
    exp = tmp_path / "my_exp.yaml"
    exp.write_text("train:\n  epochs: 1\ndata:\n  train: [dse:train@10]\n")
    config = load_config(exp, overrides=["train.learning_rate=1e-4", "model.encoding=pair"])
    assert config.name == "my_exp"
    assert config.train.epochs == 1.0
    assert config.train.batch_size == 32  # from base.yaml
    assert config.train.learning_rate == pytest.approx(1e-4)
    assert config.model.encoding == "pair"
    assert config.data.train == ["dse:train@10"]


def test_unknown_key_lists_the_valid_ones(tmp_path):
    exp = tmp_path / "bad.yaml"
    exp.write_text("train:\n  epochs: 1\n  learnin_rate: 0.1\n")
    with pytest.raises(ConfigError) as err:
        load_config(exp)
    message = str(err.value)
    assert "bad.yaml" in message and "train.learnin_rate" in message
    assert "learning_rate" in message and "batch_size" in message


@pytest.mark.parametrize(
    "override, field",
    [
        ("train.epochs=lots", "train.epochs"),
        ("model.encoding=spans", "model.encoding"),
        ("data.dedup=maybe", "data.dedup"),
        ("seed=1.5", "seed"),
        ("baselines=[majority, svm]", "baselines"),
        ("nonsense=1", "nonsense"),
    ],
)
def test_bad_values_name_the_field(override, field):
    with pytest.raises(ConfigError) as err:
        load_config(None, overrides=[override])
    assert field in str(err.value)


def test_invalid_yaml_names_file_and_line(tmp_path):
    exp = tmp_path / "broken.yaml"
    exp.write_text("train:\n  epochs: [1\n")
    with pytest.raises(ConfigError) as err:
        load_config(exp)
    assert "broken.yaml:" in str(err.value)


def test_yaml_is_loaded_safely(tmp_path):
    exp = tmp_path / "evil.yaml"
    exp.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError):
        load_config(exp)


def test_saved_config_loads_back_identically(tmp_path):
    config = load_config(None, overrides=["train.epochs=2", "evaluation.label_alias={confrontational: negative}"])
    save_config(config, tmp_path / "config.yaml")
    again = load_config(tmp_path / "config.yaml")
    assert again == config


# --------------------------------------------------------------------------- packaged configs
@pytest.mark.parametrize("given", ["benchmarks/dse", "benchmarks/dse.yaml", "configs/benchmarks/dse.yaml"])
def test_a_packaged_config_is_found_by_name_from_any_folder(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/ here
    assert find_config(given) == CONFIG_DIR / "benchmarks" / "dse.yaml"
    config = load_config(given)
    assert config.name == "dse" and config.data.augment_swap


def test_an_existing_file_wins_over_a_packaged_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_text("name: mine\n", encoding="utf-8")
    assert find_config("demo.yaml").resolve() == tmp_path / "demo.yaml"
    assert load_config("demo.yaml").name == "mine"
    assert load_config("demo").name == "demo"  # no file named demo here: the packaged one


def test_party_configs_are_found_by_name(tmp_path, monkeypatch):
    from stance.parties import PartyConfig

    monkeypatch.chdir(tmp_path)
    for given in ("us_russia", "parties/us_russia", "configs/parties/us_russia.yaml"):
        assert PartyConfig.from_yaml(given).source == str(CONFIG_DIR / "parties" / "us_russia.yaml")


def test_a_missing_config_names_the_packaged_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"file not found, nor a packaged config.*benchmarks/dse.*demo"):
        find_config("no-such.yaml")
    with pytest.raises(InputError, match=r"packaged: us_parties, us_russia\)"):
        find_config("../parties/us_russia.yaml", "parties")  # a path outside the package is never looked up there


def test_packaged_configs_list_the_repository_configs():
    assert {"base", "demo", "benchmarks/dse", "parties/us_russia"} <= set(packaged_configs())
    assert packaged_configs("parties") == ["parties/us_parties", "parties/us_russia"]
