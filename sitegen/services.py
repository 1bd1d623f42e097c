"""The vocabularies stations.yaml may use: services a station offers and the kinds of host."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    """A service a station offers; icon is a mkdocs-material emoji shortcode name."""

    id: str
    zh: str
    en: str
    icon: str


_SERVICES = (
    Service("rest", "歇脚休息", "Rest", "material-sofa"),
    Service("water", "饮用水", "Drinking water", "material-cup-water"),
    Service("charging", "手机充电", "Phone charging", "material-cellphone-charging"),
    Service("reading", "阅览", "Reading", "material-book-open-page-variant"),
    Service("restroom", "卫生间", "Restroom", "material-human-male-female"),
    Service("microwave", "微波炉加热", "Microwave", "material-microwave"),
    Service("first_aid", "急救药箱", "First-aid kit", "material-medical-bag"),
    Service("umbrella", "借用雨伞", "Umbrella loan", "material-umbrella"),
    Service("bike_repair", "打气修车", "Tyre pump and bike repair", "material-tire"),
    Service("wifi", "无线网络", "Wi-Fi", "material-wifi"),
    Service("cooling", "防暑降温", "Cooling off", "material-snowflake"),
    Service("heating", "取暖", "Warming up", "material-radiator"),
    Service("parking", "停车", "Parking", "material-parking"),
    Service("mailbox", "意见箱", "Suggestion box", "material-mailbox"),
)

# Insertion order is display order.
SERVICES: dict[str, Service] = {service.id: service for service in _SERVICES}

HOSTS: dict[str, str] = {
    "shop": "商铺",
    "bank": "银行网点",
    "pharmacy": "药店",
    "community": "社区党群服务站",
    "office_building": "商务楼宇",
    "company": "企业",
    "government": "政务服务中心",
    "gas_station": "加油站",
}
