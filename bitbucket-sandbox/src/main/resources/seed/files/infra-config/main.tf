terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket = "acme-terraform-state"
    key    = "prod/platform.tfstate"
    region = "eu-west-1"
  }
}

module "payments_db" {
  source         = "./modules/postgres"
  name           = "pg-payments-01"
  dns_name       = "pg-payments-01.prod.acme-corp.internal"
  instance_class = "db.r6g.large"
}

module "bastion" {
  source   = "./modules/bastion"
  dns_name = "bastion-01.prod.acme-corp.internal"
  allowed_cidrs = ["10.20.0.0/16"]
}
