"""Chinese for the API documentation page's message ids."""

ZH = {
    "API reference": "接口说明",
    "Loading the OpenAPI document…": "正在载入 OpenAPI 文档……",
    "The OpenAPI document could not be loaded.": "无法载入 OpenAPI 文档。",
    "Download the OpenAPI document": "下载 OpenAPI 文档",
}
