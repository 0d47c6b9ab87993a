"""Texts of the maps where boundaries are missing (cockpit.domain.outline): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    # One word per tier, as a notice names it ("本街道下的社区…"); English has a plural beside it.
    "geo_tier_city": ("市", "city"),
    "geo_tier_district": ("区县", "district"),
    "geo_tier_street": ("街道", "street"),
    "geo_tier_community": ("社区", "community"),
    "geo_tier_grid": ("网格", "grid"),
    "geo_tiers_city": ("市", "cities"),
    "geo_tiers_district": ("区县", "districts"),
    "geo_tiers_street": ("街道", "streets"),
    "geo_tiers_community": ("社区", "communities"),
    "geo_tiers_grid": ("网格", "grids"),
    "geo_children_none": ("本{unit}下的{tier}尚无边界，可导入{tier}边界 GeoJSON。",
                          "The {tiers} of this {unit} have no boundaries yet: import a {tier} boundary GeoJSON."),
    "geo_self_none": ("本{unit}尚无边界，可导入{unit}边界 GeoJSON。",
                      "This {unit} has no boundary yet: import a {unit} boundary GeoJSON."),
    "geo_children_broken": ("边界文件无法读取（{file}）：本{unit}下的{tier}暂不能在地图上显示，"
                            "可运行 python -m cockpit check 查看原因。",
                            "A boundary file cannot be read ({file}): the {tiers} of this {unit} cannot be drawn; "
                            "python -m cockpit check tells why."),
    "geo_self_broken": ("边界文件无法读取（{file}）：本{unit}暂不能在地图上显示，可运行 python -m cockpit check 查看原因。",
                        "A boundary file cannot be read ({file}): this {unit} cannot be drawn; "
                        "python -m cockpit check tells why."),
    "geo_drawn_own": ("地图显示本{unit}的轮廓与点位。", "The map shows this {unit}'s outline and its points."),
    "geo_drawn_up": ("地图显示所属{tier}“{name}”的轮廓与本{unit}的点位。",
                     "The map shows the outline of {name}, the {tier} it lies in, and this {unit}'s points."),
    "geo_drawn_none": ("尚无可绘制的轮廓。", "There is no outline to draw yet."),
    "geo_outline": ("轮廓", "Outline"),
    "geo_rank_title": ("下级{tier}排名 · {metric}", "{tiers} ranked · {metric}"),
    "geo_rank_more": ("（前 {shown} / 共 {total}）", " (top {shown} of {total})"),
    "geo_rank_none": ("无下级单元。", "No sub-units."),
}
